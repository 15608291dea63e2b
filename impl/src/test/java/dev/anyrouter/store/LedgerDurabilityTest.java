package dev.anyrouter.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.config.Price;
import dev.anyrouter.config.StorageConfig;
import dev.anyrouter.config.UpstreamConfig;
import dev.anyrouter.json.Json;
import dev.anyrouter.routing.Route;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ledger when the database fails or the gateway is killed: rows stay queued until they are durable, the ledger
 * says it is unhealthy meanwhile, and running generations have rows that a restart closes as interrupted.
 */
class LedgerDurabilityTest {

    private static final Route ROUTE = new Route(new UpstreamConfig("openai", URI.create("http://u/v1"),
            Optional.empty(), "openai"), "openai/gpt-4o", "gpt-4o");
    private static final Price PRICE = Price.parse("0.0000025:0.00001", "test");
    private static final JsonNode REQUEST = Json.read("{\"model\":\"openai/gpt-4o\",\"messages\":["
            + "{\"role\":\"user\",\"content\":\"Hello there, how are you today?\"}]}");

    @TempDir
    Path dir;

    static java.util.stream.Stream<String> kinds() {
        return TestDatabases.kinds();
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void rowsQueuedWhileTheDatabaseFailsAreWrittenAfterItRecovers(String kind) throws Exception {
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (Database db = Database.open(TestDatabases.fresh(kind, dir))) {
            String key = new KeyStore(db).create("k", Optional.empty()).record().id();
            Ledger ledger = new Ledger(db, writer);
            ledger.add(row("gen-before", key, "0.1"));
            Awaitility.await().until(() -> ledger.queueDepth() == 0);

            execute(db, "ALTER TABLE generations RENAME TO generations_away"); // every write fails from now on
            ledger.add(row("gen-1", key, "0.2"));
            ledger.add(row("gen-2", key, "0.3"));
            Awaitility.await().until(() -> !ledger.healthy());
            assertThat(ledger.writeFailures()).isPositive();
            assertThat(ledger.queueDepth()).as("kept until written").isEqualTo(2);
            assertThat(ledger.unwritten(key)).isEqualByComparingTo("0.5");
            assertThat(ledger.find("gen-1")).isPresent();

            execute(db, "ALTER TABLE generations_away RENAME TO generations");
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(ledger::healthy);
            Awaitility.await().until(() -> ledger.queueDepth() == 0);
            assertThat(query(db, "SELECT id FROM generations ORDER BY id")).isEqualTo("gen-1 gen-2 gen-before");
            assertThat(new KeyStore(db).used(key)).isEqualByComparingTo("0.6");
            ledger.close();
        } finally {
            writer.shutdownNow();
        }
    }

    /**
     * H2 keeps commits in memory for up to half a second before it writes them to its file: without a checkpoint
     * after each batch, rows the ledger had let go of were lost when the database stopped at once (disk full).
     */
    @Test
    void writtenRowsSurviveTheEmbeddedDatabaseStoppingAtOnce() throws Exception {
        StorageConfig storage = StorageConfig.embedded(dir);
        ExecutorService writer = Executors.newSingleThreadExecutor();
        String key;
        try (Database db = Database.open(storage)) {
            key = new KeyStore(db).create("k", Optional.empty()).record().id();
            Ledger ledger = new Ledger(db, writer);
            for (int i = 0; i < 20; i++) {
                ledger.add(row("gen-" + i, key, "0.01"));
            }
            Awaitility.await().until(() -> ledger.queueDepth() == 0);
            try {
                execute(db, "SHUTDOWN IMMEDIATELY"); // as H2 does when it cannot write: what is only in memory is lost
            } catch (java.sql.SQLException closedUnderItsOwnStatement) {
                // expected
            }

            ledger.add(row("gen-after", key, "0.01"));
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> ledger.queueDepth() == 0);
            ledger.close();
        } finally {
            writer.shutdownNow();
        }
        try (Database db = Database.open(storage)) {
            assertThat(query(db, "SELECT COUNT(*), SUM(total_cost) FROM generations")).isEqualTo("21 0.21");
            assertThat(new KeyStore(db).used(key)).isEqualByComparingTo("0.21");
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void aRunningGenerationHasARowThatItsFinalRowReplaces(String kind) throws Exception {
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (Database db = Database.open(TestDatabases.fresh(kind, dir))) {
            String key = new KeyStore(db).create("k", Optional.empty()).record().id();
            Ledger ledger = new Ledger(db, writer);
            Generation generation = running(ledger, key);

            LedgerRow running = ledger.find("gen-live").orElseThrow();
            assertThat(running.outcome()).isEqualTo(Ledger.IN_PROGRESS);
            assertThat(running.promptTokens()).as("its prompt, counted").isPositive();
            assertThat(running.cost()).isPositive();
            assertThat(new KeyStore(db).used(key)).as("in its key's spend at once")
                    .isEqualByComparingTo(running.cost());

            generation.delivered("Fine, thank you, and you? ".repeat(20));
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(
                    () -> ledger.find("gen-live").orElseThrow().completionTokens() > 0);
            assertThat(new KeyStore(db).used(key)).isEqualByComparingTo(ledger.find("gen-live").orElseThrow().cost());

            ledger.add(generation.end(Generation.Outcome.COMPLETED, null));
            Awaitility.await().until(() -> ledger.queueDepth() == 0);
            LedgerRow done = ledger.find("gen-live").orElseThrow();
            assertThat(done.outcome()).isEqualTo("completed");
            assertThat(query(db, "SELECT COUNT(*), MAX(owner) FROM generations")).isEqualTo("1 null");
            assertThat(new KeyStore(db).used(key)).isEqualByComparingTo(done.cost());
            ledger.close();
        } finally {
            writer.shutdownNow();
        }
    }

    /**
     * A writer held up (here by an exclusive lock on the database) while a generation delivers over several journal
     * passes: its newer in-progress rows replace the one still queued, so the queue does not grow with each pass,
     * and the row written once the writer goes on is the newest.
     */
    @Test
    void aRunningGenerationHasOneInProgressRowQueuedWhileTheWriterIsBehind() throws Exception {
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (Database db = Database.open(StorageConfig.embedded(dir))) {
            String key = new KeyStore(db).create("k", Optional.empty()).record().id();
            Ledger ledger = new Ledger(db, writer);
            Generation generation = running(ledger, key);

            try (Connection holder = db.dataSource().getConnection(); Statement s = holder.createStatement()) {
                s.execute("SET EXCLUSIVE 1"); // the writer's next transaction waits
                for (int pass = 0; pass < 5; pass++) {
                    generation.delivered("word ".repeat(10));
                    Thread.sleep(InFlight.INTERVAL.toMillis() + 150); // a journal pass records the new text
                }
                assertThat(ledger.queueDepth()).as("one row being written, one waiting").isLessThanOrEqualTo(2);
                s.execute("SET EXCLUSIVE 0");
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ledger.queueDepth() == 0);
            assertThat(ledger.find("gen-live").orElseThrow().completionTokens()).as("all five passes' text")
                    .isGreaterThanOrEqualTo(50);
            ledger.close();
        } finally {
            writer.shutdownNow();
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void aRestartClosesItsOwnRowsLeftInProgressAndOnlyThose(String kind) throws Exception {
        StorageConfig storage = TestDatabases.fresh(kind, dir);
        ExecutorService writer = Executors.newSingleThreadExecutor();
        ScheduledExecutorService journal = Executors.newSingleThreadScheduledExecutor();
        try (Database db = Database.open(storage)) {
            String key = new KeyStore(db).create("k", Optional.empty()).record().id();
            Ledger killed = new Ledger(db, writer, journal, "replica-a", Duration.ofHours(1));
            for (String id : List.of("gen-a", "gen-b")) {
                Generation generation = new Generation(id, key, ROUTE, true, PRICE, ClientApi.CHAT_COMPLETIONS,
                        REQUEST);
                InFlight.Handle handle = killed.begin(generation);
                generation.accepted();
                handle.record();
                handle.awaitRecorded(Duration.ofSeconds(10));
            }
            // another replica's row, still running there
            execute(db, "UPDATE generations SET owner = 'replica-b' WHERE id = 'gen-b'");
            BigDecimal spent = new KeyStore(db).used(key);
            journal.shutdownNow(); // killed: nothing more is written

            ExecutorService writer2 = Executors.newSingleThreadExecutor();
            try {
                Ledger restarted = new Ledger(db, writer2, Executors.newSingleThreadScheduledExecutor(),
                        "replica-a", Duration.ofHours(1));
                assertThat(restarted.find("gen-a").orElseThrow().outcome()).isEqualTo(Ledger.INTERRUPTED);
                assertThat(restarted.find("gen-b").orElseThrow().outcome()).isEqualTo(Ledger.IN_PROGRESS);
                assertThat(new KeyStore(db).used(key)).as("billed as last recorded").isEqualByComparingTo(spent);
                assertThat(query(db, "SELECT SUM(total_cost) FROM generations"))
                        .isEqualTo(spent.stripTrailingZeros().toPlainString());
                restarted.close();
            } finally {
                writer2.shutdownNow();
            }
        } finally {
            writer.shutdownNow();
            journal.shutdownNow();
        }
    }

    /** Generation "gen-live" of {@code keyId}, accepted by its upstream, once its first in-progress row is written. */
    private static Generation running(Ledger ledger, String keyId) {
        Generation generation = new Generation("gen-live", keyId, ROUTE, true, PRICE, ClientApi.CHAT_COMPLETIONS,
                REQUEST);
        InFlight.Handle handle = ledger.begin(generation);
        generation.accepted();
        handle.record();
        handle.awaitRecorded(Duration.ofSeconds(10));
        return generation;
    }

    private static GenerationRecord row(String id, String keyId, String cost) {
        return new GenerationRecord(id, keyId, "openai/gpt-4o", "gpt-4o", "openai", true,
                Generation.Outcome.COMPLETED, "stop", 3, "Hello", 11, 7, false, new BigDecimal(cost), 12L, 40,
                Instant.now(), null, 200, 0, 0);
    }

    private static void execute(Database db, String sql) throws Exception {
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String query(Database db, String sql) throws Exception {
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            List<String> cells = new ArrayList<>();
            while (rs.next()) {
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    Object value = rs.getObject(i);
                    cells.add(value instanceof BigDecimal d ? d.stripTrailingZeros().toPlainString()
                            : String.valueOf(value));
                }
            }
            return String.join(" ", cells);
        }
    }
}
