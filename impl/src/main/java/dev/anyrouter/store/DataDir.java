package dev.anyrouter.store;

import dev.anyrouter.config.Secret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The embedded database's folder ({@code ANYROUTER_DATA_DIR}): private to the gateway's user, and holding the
 * database's password.
 *
 * <p>On a POSIX file system the folder is {@code 0700} and its files {@code 0600}: made so, and tightened at every
 * start if they were not (a folder made by an older version was {@code 0755}, its files {@code 0644}). The files H2
 * writes itself are made before H2 opens them ({@link #FILES}); its temporary files are made by the JDK, {@code 0600}.
 *
 * <p>The database's user is {@link #USER}, its password a random one made at the first start and kept in
 * {@link #PASSWORD_FILE}, never logged. A database made by an older version (user {@code ""}, no password) gets
 * that user and password the first time it is opened, and its old user a random password no one keeps.
 */
public final class DataDir {

    /** The embedded database's user. */
    public static final String USER = "ANYROUTER";
    /** The file, in the folder, that holds the embedded database's password (one line). */
    public static final String PASSWORD_FILE = "anyrouter.password";
    /** The database's name in the folder: H2 adds {@code .mv.db}, {@code .trace.db}. */
    static final String NAME = "anyrouter";
    /** The files H2 makes in the folder: made here first, {@code 0600}, so that they never exist with wider modes. */
    private static final List<String> FILES = List.of(NAME + ".mv.db", NAME + ".trace.db");
    private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    /** H2: wrong user name or password. */
    private static final String REFUSED = "28000";
    /** H2: the database file is locked by another process. */
    private static final int IN_USE = 90020;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final System.Logger LOG = System.getLogger(DataDir.class.getName());

    private DataDir() {
    }

    /**
     * Makes the folder and the files H2 will write (or tightens them), and returns the database's password, made
     * now if the folder has none yet.
     */
    static Secret prepare(Path dir) {
        try {
            boolean posix = posix(dir);
            if (posix) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR));
                tighten(dir);
            } else {
                Files.createDirectories(dir);
            }
            for (String name : FILES) {
                create(dir.resolve(name), posix);
            }
            return password(dir, posix);
        } catch (IOException e) {
            throw new StoreException("ANYROUTER_DATA_DIR: cannot prepare " + dir.toAbsolutePath() + " ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
    }

    /** The password of the embedded database in {@code dir}, for tools that open it themselves. */
    public static Secret password(Path dir) {
        try {
            return Secret.of(Files.readString(dir.resolve(PASSWORD_FILE), StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            throw new StoreException("cannot read " + dir.resolve(PASSWORD_FILE).toAbsolutePath() + " ("
                    + e.getClass().getSimpleName() + ")", e);
        }
    }

    /**
     * Opens a connection to the embedded database at {@code url} as {@link #USER}: on a database made by an older
     * version, first gives it that user and {@code password}. The connection opens the database (H2 closes a
     * database with its last connection).
     */
    static Connection connect(String url, Secret password, String described) {
        try {
            return new org.h2.Driver().connect(url, credentials(USER, password.reveal()));
        } catch (SQLException refused) {
            if (!REFUSED.equals(refused.getSQLState())) {
                throw failure(refused, described);
            }
            if (!secureOlder(url, password)) {
                throw new StoreException("cannot open the " + described + ": it refuses the password in "
                        + PASSWORD_FILE + " (a copy of another folder's database?)", refused);
            }
        }
        try {
            return new org.h2.Driver().connect(url, credentials(USER, password.reveal()));
        } catch (SQLException e) {
            throw failure(e, described);
        }
    }

    /** If the database is an older version's (user "", no password): adds {@link #USER} with the password. */
    private static boolean secureOlder(String url, Secret password) {
        try (Connection older = new org.h2.Driver().connect(url, credentials("", ""))) {
            // one by one: H2 resolves a statement's user when it is prepared
            execute(older, "CREATE USER IF NOT EXISTS " + USER + " PASSWORD ? ADMIN", password.reveal());
            execute(older, "ALTER USER " + USER + " SET PASSWORD ?", password.reveal());
            execute(older, "SET PASSWORD ?", random()); // the old user, an admin too: a password no one knows
            LOG.log(System.Logger.Level.INFO, "the embedded database now needs a password (user " + USER + ", its "
                    + "password in " + PASSWORD_FILE + ")");
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    private static void execute(Connection connection, String sql, String parameter) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, parameter);
            statement.execute();
        }
    }

    private static StoreException failure(SQLException e, String described) {
        if (e.getErrorCode() == IN_USE) {
            return new StoreException("cannot open the " + described + ": it is in use by another process (a gateway"
                    + " running on it?)", e);
        }
        return new StoreException("cannot open the " + described + ": " + e.getMessage(), e);
    }

    private static Properties credentials(String user, String password) {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        return properties;
    }

    /** The folder {@code 0700}, and each file in it {@code 0600}. */
    private static void tighten(Path dir) throws IOException {
        Files.setPosixFilePermissions(dir, DIR);
        List<Path> files = new ArrayList<>();
        try (Stream<Path> listing = Files.list(dir)) {
            listing.filter(Files::isRegularFile).forEach(files::add);
        }
        for (Path file : files) {
            if (!Files.getPosixFilePermissions(file).equals(FILE)) {
                Files.setPosixFilePermissions(file, FILE);
            }
        }
    }

    private static void create(Path file, boolean posix) throws IOException {
        try {
            Files.createFile(file, attributes(posix));
        } catch (FileAlreadyExistsException e) {
            // tightened above
        }
    }

    private static Secret password(Path dir, boolean posix) throws IOException {
        Path file = dir.resolve(PASSWORD_FILE);
        if (!Files.exists(file)) {
            Path fresh = Files.createTempFile(dir, PASSWORD_FILE, ".new", attributes(posix));
            Files.writeString(fresh, random() + "\n", StandardCharsets.UTF_8);
            try {
                Files.move(fresh, file); // never a half-written password, never one over another
            } catch (FileAlreadyExistsException raced) {
                Files.delete(fresh);
            }
        }
        return password(dir);
    }

    private static FileAttribute<?>[] attributes(boolean posix) {
        return posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)} : new FileAttribute<?>[0];
    }

    private static boolean posix(Path dir) throws IOException {
        Path existing = dir.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing != null && Files.getFileStore(existing).supportsFileAttributeView(PosixFileAttributeView.class);
    }

    private static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
