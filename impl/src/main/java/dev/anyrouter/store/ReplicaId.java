package dev.anyrouter.store;

import dev.anyrouter.config.StorageConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * This replica's id, written on its in-progress ledger rows so that at start it closes the rows it left, and only
 * those (replicas sharing PostgreSQL each have their own). Kept in {@code replica-id} in the data directory
 * ({@code ANYROUTER_DATA_DIR}), made once: a replica restarted on the same data directory is the same replica.
 */
public final class ReplicaId {

    private static final System.Logger LOG = System.getLogger(ReplicaId.class.getName());
    static final String FILE = "replica-id";

    private ReplicaId() {
    }

    /** Only its owner reads the data directory's files (its folder is private too: see {@link DataDir}). */
    private static void ownerOnly(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // the folder's own access rules apply
        }
    }

    /** The id in {@code storage}'s data directory, made there if it has none; a new one if it cannot be kept. */
    public static String of(StorageConfig storage) {
        Path file = storage.dataDir().resolve(FILE);
        try {
            Files.createDirectories(storage.dataDir());
            try {
                Files.writeString(file, UUID.randomUUID().toString(), StandardCharsets.US_ASCII,
                        java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
                ownerOnly(file);
            } catch (FileAlreadyExistsException kept) {
                // made by an earlier start
            }
            String id = Files.readString(file, StandardCharsets.US_ASCII).trim();
            if (!id.isEmpty() && id.length() <= 64) {
                return id;
            }
            LOG.log(System.Logger.Level.WARNING, "{0}: not a replica id; using a new one for this run", file);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot keep the replica id in {0} ({1}); using a new one for this "
                    + "run: rows it leaves in progress are closed only after ANYROUTER_TOTAL_TIMEOUT_MS + 5 min",
                    file, e.getMessage());
        }
        return UUID.randomUUID().toString();
    }
}
