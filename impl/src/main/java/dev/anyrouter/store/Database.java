package dev.anyrouter.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.anyrouter.config.Secret;
import dev.anyrouter.config.StorageConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The pooled connections to the key store and ledger, with the schema migrated to the latest version on open.
 * Closing it closes every connection (and so the embedded database). The embedded database is closed only that way,
 * never by H2's JVM shutdown hook under a gateway still stopping ({@link H2ExitHook}).
 */
public final class Database implements AutoCloseable {

    private final HikariDataSource pool;
    private final String description;
    private final boolean postgresql;
    /**
     * The embedded database: a connection held outside the pool, so that the database stays open while the pool
     * replaces its connections (H2 closes a database with its last connection, and would then register a reopened
     * one with its shutdown hook again). Null for PostgreSQL.
     */
    private final Connection keeper;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Database(HikariDataSource pool, String description, boolean postgresql, Connection keeper) {
        this.pool = pool;
        this.description = description;
        this.postgresql = postgresql;
        this.keeper = keeper;
    }

    /** Opens (creating the embedded database's folder if needed) and migrates; a failure names the database. */
    public static Database open(StorageConfig storage) {
        if (storage.url().isEmpty()) {
            try {
                Files.createDirectories(storage.dataDir());
            } catch (IOException e) {
                throw new StoreException("ANYROUTER_DATA_DIR: cannot create " + storage.dataDir().toAbsolutePath()
                        + " (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
            }
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName("anyrouter-db");
        config.setJdbcUrl(storage.jdbcUrl());
        // Named, not looked up through DriverManager: inside a WAR it does not see drivers in WEB-INF/lib.
        config.setDriverClassName(storage.jdbcUrl().startsWith("jdbc:h2:") ? "org.h2.Driver" : "org.postgresql.Driver");
        storage.user().ifPresent(config::setUsername);
        storage.password().map(Secret::reveal).ifPresent(config::setPassword);
        config.setMaximumPoolSize(8);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(10_000);
        config.setInitializationFailTimeout(10_000);
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StoreException("cannot open the " + storage.describe() + ": " + rootMessage(e), e);
        }
        try {
            Flyway.configure().dataSource(pool).locations("classpath:db/anyrouter").load().migrate();
        } catch (FlywayException e) {
            pool.close();
            throw new StoreException("cannot migrate the " + storage.describe() + ": " + rootMessage(e), e);
        }
        if (storage.jdbcUrl().startsWith("jdbc:h2:")) {
            return new Database(pool, storage.describe(), false, keeper(pool, storage));
        }
        return new Database(pool, storage.describe(), storage.jdbcUrl().startsWith("jdbc:postgresql:"), null);
    }

    private static Connection keeper(HikariDataSource pool, StorageConfig storage) {
        Connection keeper;
        try {
            keeper = new org.h2.Driver().connect(storage.jdbcUrl(), new Properties());
        } catch (SQLException e) {
            pool.close();
            throw new StoreException("cannot open the " + storage.describe() + ": " + rootMessage(e), e);
        }
        H2ExitHook.opened();
        return keeper;
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
            } finally {
                H2ExitHook.closed();
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
