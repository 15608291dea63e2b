package dev.anyrouter.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * How the ledger's writer stores a batch ({@link GenerationsTable#store}): one read for the batch, each generation
 * written once with the row that stands, and the same result when a batch is stored again after an unclear failure.
 */
class GenerationsTableTest {

    @TempDir
    Path dir;

    static java.util.stream.Stream<String> kinds() {
        return TestDatabases.kinds();
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void eachGenerationKeepsTheRowThatStandsAndItsKeyIsChargedItsCostOnce(String kind) throws Exception {
        try (Database db = Database.open(TestDatabases.fresh(kind, dir))) {
            String key = new KeyStore(db).create("k", Optional.empty()).record().id();
            GenerationsTable table = new GenerationsTable(db, "replica-1");
            List<QueuedRow> first = List.of(
                    progress("a", key, "0.1"), done("a", key, "0.3"), progress("a", key, "0.5"), // late: ignored
                    done("b", key, "0.2"),
                    progress("c", key, "0.05"), progress("c", key, "0.07"));
            table.store(first);
            table.store(first); // retried after an unclear failure: nothing changes
            assertThat(rows(db)).containsExactly("a completed 0.3 null", "b completed 0.2 null",
                    "c in_progress 0.07 replica-1");
            assertThat(new KeyStore(db).used(key)).isEqualByComparingTo("0.57");

            table.store(List.of(progress("a", key, "0.9"), progress("c", key, "0.08"), done("c", key, "0.1")));
            assertThat(rows(db)).containsExactly("a completed 0.3 null", "b completed 0.2 null",
                    "c completed 0.1 null");
            assertThat(new KeyStore(db).used(key)).isEqualByComparingTo("0.6");
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void aFullBatchOfNewAndRunningRowsIsStoredInOneGo(String kind) throws Exception {
        try (Database db = Database.open(TestDatabases.fresh(kind, dir))) {
            String key = new KeyStore(db).create("k", Optional.empty()).record().id();
            GenerationsTable table = new GenerationsTable(db, "replica-1");
            List<QueuedRow> running = new ArrayList<>();
            for (int i = 0; i < 250; i++) {
                running.add(progress("g" + i, key, "0.001"));
            }
            table.store(running);
            List<QueuedRow> mixed = new ArrayList<>();
            for (int i = 0; i < 500; i++) { // half of them replace the rows above, half are new
                mixed.add(done("g" + i, key, "0.002"));
            }
            table.store(mixed);
            assertThat(count(db)).isEqualTo("500 0");
            assertThat(new KeyStore(db).used(key)).isEqualByComparingTo("1.0");
        }
    }

    private static QueuedRow progress(String id, String key, String cost) {
        return new QueuedRow(row(id, key, Ledger.IN_PROGRESS, cost), true, null);
    }

    private static QueuedRow done(String id, String key, String cost) {
        return new QueuedRow(row(id, key, "completed", cost), false, null);
    }

    private static LedgerRow row(String id, String key, String outcome, String cost) {
        return new LedgerRow(id, key, "openai/gpt-4o", "gpt-4o", "openai", true, false, outcome, null, 10, 5, true,
                new BigDecimal(cost), 12L, 40, Instant.parse("2026-12-03T07:00:00Z"), null);
    }

    private static List<String> rows(Database db) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id, outcome, total_cost, owner FROM generations ORDER BY id")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + " " + rs.getString(2) + " "
                        + rs.getBigDecimal(3).stripTrailingZeros().toPlainString() + " " + rs.getString(4));
            }
        }
        return rows;
    }

    private static String count(Database db) throws Exception {
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*), COUNT(owner) FROM generations")) {
            rs.next();
            return rs.getLong(1) + " " + rs.getLong(2);
        }
    }
}
