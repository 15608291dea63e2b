package dev.anyrouter.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where keys, credits and the usage ledger live: PostgreSQL when {@code ANYROUTER_DB_URL} is set (replicas that
 * share it share keys, credits and the ledger), else an embedded file database under {@code ANYROUTER_DATA_DIR}.
 *
 * @param url      a {@code jdbc:postgresql:} (or {@code jdbc:h2:}) URL, or empty for the embedded database
 * @param user     the database user ({@code ANYROUTER_DB_USER})
 * @param password the database password ({@code ANYROUTER_DB_PASSWORD})
 * @param dataDir  the embedded database's folder ({@code ANYROUTER_DATA_DIR}, default {@code ./data})
 */
public record StorageConfig(Optional<String> url, Optional<String> user, Optional<Secret> password, Path dataDir) {

    public StorageConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(dataDir, "dataDir");
    }

    public static StorageConfig from(Settings settings) {
        Optional<String> url = settings.string("ANYROUTER_DB_URL");
        url.filter(u -> !u.startsWith("jdbc:postgresql:") && !u.startsWith("jdbc:h2:")).ifPresent(u -> {
            throw new ConfigException(settings.describe("ANYROUTER_DB_URL") + ": '" + u.replaceAll("\\?.*", "?…")
                    + "' (expected: jdbc:postgresql://HOST:PORT/DATABASE)");
        });
        url.filter(u -> u.toLowerCase(java.util.Locale.ROOT).contains("password=")).ifPresent(u -> {
            throw new ConfigException(settings.describe("ANYROUTER_DB_URL") + ": contains a password (expected: the password in "
                    + "ANYROUTER_DB_PASSWORD, so that it never appears in a log)");
        });
        return new StorageConfig(url, settings.string("ANYROUTER_DB_USER"),
                settings.string("ANYROUTER_DB_PASSWORD").map(Secret::of),
                Path.of(settings.string("ANYROUTER_DATA_DIR", "data")));
    }

    /** The embedded database in {@code dir}. */
    public static StorageConfig embedded(Path dir) {
        return new StorageConfig(Optional.empty(), Optional.empty(), Optional.empty(), dir);
    }

    /**
     * The JDBC URL. The embedded database is a file that only the process that opened it can use: no server, no
     * port (the {@code keys} CLI reaches a running gateway through its admin API instead). It is closed by its
     * owner, never by H2's JVM shutdown hook ({@code DB_CLOSE_ON_EXIT=FALSE}, see {@code store/Database}).
     */
    public String jdbcUrl() {
        return url.orElseGet(() -> "jdbc:h2:file:" + dataDir.toAbsolutePath().normalize().resolve("anyrouter")
                + ";DB_CLOSE_ON_EXIT=FALSE");
    }

    /** For messages: the URL without credentials, or the embedded database's folder. */
    public String describe() {
        return url.map(u -> u.replaceAll("\\?.*", "")).orElseGet(() -> "embedded database in "
                + dataDir.toAbsolutePath().normalize());
    }
}
