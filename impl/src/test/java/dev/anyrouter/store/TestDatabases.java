package dev.anyrouter.store;

import dev.anyrouter.config.Secret;
import dev.anyrouter.config.StorageConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The databases storage tests run against: the embedded one, and a real PostgreSQL server when
 * {@code ANYROUTER_TEST_PG_URL} (with {@code _USER}, {@code _PASSWORD}) names one. {@code .ci/run} starts a
 * server and sets them, with {@code ANYROUTER_TEST_PG_REQUIRED=true} so that CI fails rather than skips.
 */
public final class TestDatabases {

    public static final String H2 = "embedded";
    public static final String POSTGRES = "postgresql";

    private TestDatabases() {
    }

    public static Stream<String> kinds() {
        return Stream.of(H2, POSTGRES);
    }

    /** A new, empty database of {@code kind}; the embedded one lives in {@code dir}. */
    public static StorageConfig fresh(String kind, Path dir) {
        if (H2.equals(kind)) {
            return StorageConfig.embedded(dir);
        }
        String url = System.getenv("ANYROUTER_TEST_PG_URL");
        if (url == null || url.isBlank()) {
            if ("true".equals(System.getenv("ANYROUTER_TEST_PG_REQUIRED"))) {
                Assertions.fail("ANYROUTER_TEST_PG_REQUIRED is set but ANYROUTER_TEST_PG_URL is not");
            }
            Assumptions.abort("PostgreSQL tests skipped: no server. Set ANYROUTER_TEST_PG_URL (and _USER, _PASSWORD)"
                    + " to a jdbc:postgresql:// URL; .ci/run starts one itself");
        }
        String user = System.getenv().getOrDefault("ANYROUTER_TEST_PG_USER", "postgres");
        String password = System.getenv().getOrDefault("ANYROUTER_TEST_PG_PASSWORD", "");
        String name = "anyrouter_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create a test database on " + url + ": " + e.getMessage(), e);
        }
        String base = url.substring(0, url.lastIndexOf('/') + 1);
        return new StorageConfig(Optional.of(base + name), Optional.of(user),
                password.isEmpty() ? Optional.empty() : Optional.of(Secret.of(password)), dir);
    }
}
