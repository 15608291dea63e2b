package dev.anyrouter.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.anyrouter.config.StorageConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded database's folder: private modes, and a database that needs its password. */
class DataDirTest {

    @TempDir
    Path work;

    @BeforeEach
    void posixOnly() throws Exception {
        assumeThat(Files.getFileStore(work).supportsFileAttributeView(PosixFileAttributeView.class))
                .as("modes are checked on POSIX file systems").isTrue();
    }

    @Test
    void makesTheFolder0700AndEveryFile0600() throws Exception {
        Path dir = work.resolve("a/data");
        try (Database db = Database.open(StorageConfig.embedded(dir))) {
            new KeyStore(db).create("k", Optional.empty());
            assertModes(dir);
        }
        assertModes(dir);
        assertThat(files(dir)).contains("anyrouter.mv.db", DataDir.PASSWORD_FILE);
    }

    @Test
    void tightensTheFolderAndFilesOfAnOlderVersionAndGivesItsDatabaseAPassword() throws Exception {
        Path dir = work.resolve("data");
        String url = "jdbc:h2:file:" + dir.toAbsolutePath().resolve("anyrouter");
        // as an older version left it: user "", no password, 0755 and 0644
        Flyway.configure().dataSource(url, "", "").locations("classpath:db/anyrouter").load().migrate();
        try (Connection c = DriverManager.getConnection(url, "", ""); Statement s = c.createStatement()) {
            s.execute("INSERT INTO api_keys (id, key_hash, label, source, created_at) VALUES ('key-old', '"
                    + "0".repeat(64) + "', 'older', 'admin', CURRENT_TIMESTAMP)");
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(dir.resolve("notes.txt"), "x");
        Files.setPosixFilePermissions(dir.resolve("notes.txt"), PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(Files.getPosixFilePermissions(dir.resolve("anyrouter.mv.db")))
                .isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));

        try (Database db = Database.open(StorageConfig.embedded(dir))) {
            assertThat(new KeyStore(db).find("key-old")).as("its data kept").isPresent();
        }
        assertModes(dir);
        assertRefused(url, "", "");
        assertRefused(url, null, null);
        try (Connection c = DriverManager.getConnection(url, DataDir.USER, DataDir.password(dir).reveal())) {
            assertThat(c.isValid(1)).isTrue();
        }
        try (Database again = Database.open(StorageConfig.embedded(dir))) {
            assertThat(new KeyStore(again).find("key-old")).isPresent();
        }
    }

    @Test
    void theDatabaseRefusesConnectionsWithoutItsPassword() throws Exception {
        Path dir = work.resolve("data");
        try (Database db = Database.open(StorageConfig.embedded(dir))) {
            new KeyStore(db).create("k", Optional.empty());
        }
        String url = StorageConfig.embedded(dir).jdbcUrl();
        assertRefused(url, null, null);
        assertRefused(url, "", "");
        assertRefused(url, "sa", "");
        assertRefused(url, DataDir.USER, "guess");
        String password = DataDir.password(dir).reveal();
        assertThat(password).hasSizeGreaterThanOrEqualTo(43);
        try (Connection c = DriverManager.getConnection(url, DataDir.USER, password); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM api_keys")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
    }

    @Test
    void aPasswordFileTheDatabaseRefusesIsAClearError() throws Exception {
        Path dir = work.resolve("data");
        Database.open(StorageConfig.embedded(dir)).close();
        Files.writeString(dir.resolve(DataDir.PASSWORD_FILE), "not-the-password\n");

        assertThatThrownBy(() -> Database.open(StorageConfig.embedded(dir))).isInstanceOf(StoreException.class)
                .hasMessageContaining("refuses the password in " + DataDir.PASSWORD_FILE)
                .hasMessageNotContaining("not-the-password");
    }

    private static void assertRefused(String url, String user, String password) {
        assertThatThrownBy(() -> DriverManager.getConnection(url, user, password).close())
                .as("user %s", user).isInstanceOfSatisfying(SQLException.class,
                        e -> assertThat(e.getSQLState()).isEqualTo("28000"));
    }

    private static void assertModes(Path dir) throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        for (String name : files(dir)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(name)))).as(name)
                    .isEqualTo("rw-------");
        }
    }

    private static List<String> files(Path dir) throws Exception {
        try (Stream<Path> listing = Files.list(dir)) {
            return listing.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
