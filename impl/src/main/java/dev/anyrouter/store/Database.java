package dev.anyrouter.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.anyrouter.config.Secret;
import dev.anyrouter.config.StorageConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The pooled connections to the key store and ledger, with the schema migrated to the latest version on open.
 * Closing it closes every connection (and so the embedded database).
 *
 * <p>The embedded database ({@link DataDir}) is served to this process only: no H2 server, no port. It has a user
 * and password, and is opened with {@code DB_CLOSE_ON_EXIT=FALSE}, so H2's JVM shutdown hook never closes it under
 * a gateway still stopping (on a SIGTERM that hook ran alongside the graceful stop and failed the ledger's last
 * writes): it closes when its owner closes this.
 */
public final class Database implements AutoCloseable {

    /** Added to every H2 URL that does not set it itself (H2 refuses it together with AUTO_SERVER=TRUE). */
    static final String NO_EXIT_CLOSE = ";DB_CLOSE_ON_EXIT=FALSE";

    private final HikariDataSource pool;
    private final String description;
    private final boolean postgresql;
    /**
     * The embedded database: a connection held outside the pool, so that the database stays open while the pool
     * replaces its connections (H2 closes a database with its last connection). Null for PostgreSQL.
     */
    private final Connection keeper;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Database(HikariDataSource pool, String description, boolean postgresql, Connection keeper) {
        this.pool = pool;
        this.description = description;
        this.postgresql = postgresql;
        this.keeper = keeper;
    }

    /**
     * Opens (making the embedded database's folder, files and password if needed) and migrates; a failure names
     * the database.
     */
    public static Database open(StorageConfig storage) {
        String url = url(storage);
        boolean h2 = url.startsWith("jdbc:h2:");
        Optional<String> user = storage.user();
        Optional<Secret> password = storage.password();
        Connection keeper = null;
        if (storage.url().isEmpty()) {
            Secret secret = DataDir.prepare(storage.dataDir());
            user = Optional.of(DataDir.USER);
            password = Optional.of(secret);
            keeper = DataDir.connect(url, secret, storage.describe());
        } else if (h2) {
            keeper = keeper(url, user, password, storage);
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName("anyrouter-db");
        config.setJdbcUrl(url);
        // Named, not looked up through DriverManager: inside a WAR it does not see drivers in WEB-INF/lib.
        config.setDriverClassName(h2 ? "org.h2.Driver" : "org.postgresql.Driver");
        user.ifPresent(config::setUsername);
        password.map(Secret::reveal).ifPresent(config::setPassword);
        config.setMaximumPoolSize(8);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(10_000);
        config.setInitializationFailTimeout(10_000);
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            closeQuietly(keeper);
            throw new StoreException("cannot open the " + storage.describe() + ": " + rootMessage(e), e);
        }
        try {
            Flyway.configure().dataSource(pool).locations("classpath:db/anyrouter").load().migrate();
        } catch (FlywayException e) {
            pool.close();
            closeQuietly(keeper);
            throw new StoreException("cannot migrate the " + storage.describe() + ": " + rootMessage(e), e);
        }
        return new Database(pool, storage.describe(), url.startsWith("jdbc:postgresql:"), keeper);
    }

    /** The URL to open: an H2 one with {@link #NO_EXIT_CLOSE} unless it says otherwise. */
    static String url(StorageConfig storage) {
        String url = storage.jdbcUrl();
        String upper = url.toUpperCase(java.util.Locale.ROOT);
        if (url.startsWith("jdbc:h2:") && !upper.contains("DB_CLOSE_ON_EXIT") && !upper.contains("AUTO_SERVER")) {
            return url + NO_EXIT_CLOSE;
        }
        return url;
    }

    private static Connection keeper(String url, Optional<String> user, Optional<Secret> password,
            StorageConfig storage) {
        Properties credentials = new Properties();
        user.ifPresent(u -> credentials.setProperty("user", u));
        password.ifPresent(p -> credentials.setProperty("password", p.reveal()));
        try {
            return new org.h2.Driver().connect(url, credentials);
        } catch (SQLException e) {
            throw new StoreException("cannot open the " + storage.describe() + ": " + rootMessage(e), e);
        }
    }

    private static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // already failing: the first error is the one reported
            }
        }
    }

    public DataSource dataSource() {
        return pool;
    }

    Connection connection() throws SQLException {
        return pool.getConnection();
    }

    /**
     * Whether the database answers a query now. A query, not only {@code isValid}: a database holding its
     * sessions still has valid connections. May wait for a connection up to the pool's 10 s timeout.
     */
    public boolean answers() {
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement()) {
            statement.setQueryTimeout(2);
            statement.execute("SELECT 1");
            return true;
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    /** Whether it is a PostgreSQL server (which replicas may share), not the embedded database. */
    public boolean postgresql() {
        return postgresql;
    }

    public String description() {
        return description;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        pool.close();
        if (keeper != null) {
            try {
                keeper.close(); // the last connection: H2 closes the database
            } catch (SQLException e) {
                System.getLogger(Database.class.getName()).log(System.Logger.Level.WARNING,
                        "the embedded database did not close cleanly: " + e.getMessage());
            }
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage();
    }
}
