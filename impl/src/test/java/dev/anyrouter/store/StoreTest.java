package dev.anyrouter.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.auth.ApiKeys;
import dev.anyrouter.config.StorageConfig;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The key store and the ledger against the embedded database and a real PostgreSQL server. */
class StoreTest {

    @TempDir
    Path dir;

    static java.util.stream.Stream<String> kinds() {
        return TestDatabases.kinds();
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void storesOnlyHashesAndFindsKeysByThem(String kind) throws Exception {
        try (Database db = Database.open(TestDatabases.fresh(kind, dir))) {
            KeyStore store = new KeyStore(db);
            KeyStore.NewKey created = store.create("team a", Optional.of(new BigDecimal("10")));
            ApiKeys keys = new ApiKeys(store);

            assertThat(created.key()).startsWith("ar-").hasSize(46);
            assertThat(keys.find(created.key())).get().extracting(ClientKey::label).isEqualTo("team a");
            assertThat(keys.find(created.key()).orElseThrow().limit()).contains(new BigDecimal("10"));
            assertThat(keys.find(created.key() + "x")).isEmpty();
            assertThat(keys.find("")).isEmpty();
            assertThat(dump(db)).doesNotContain(created.key()).contains(created.record().keyHash());
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void changesLabelLimitAndDisabled(String kind) {
        try (Database db = Database.open(TestDatabases.fresh(kind, dir))) {
            KeyStore store = new KeyStore(db);
            String id = store.create("a", Optional.empty()).record().id();

            assertThat(store.setLabel(id, "b").orElseThrow().label()).isEqualTo("b");
            assertThat(store.setLimit(id, Optional.of(new BigDecimal("0.5"))).orElseThrow().limit())
                    .contains(new BigDecimal("0.5"));
            assertThat(store.setLimit(id, Optional.empty()).orElseThrow().limit()).isEmpty();
            assertThat(store.setDisabled(id, true).orElseThrow().disabled()).isTrue();
            assertThat(store.setDisabled("key-nope", true)).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void storesEachKeysOwnRateLimitsOrNone(String kind) {
        try (Database db = Database.open(TestDatabases.fresh(kind, dir))) {
            KeyStore store = new KeyStore(db);
            ClientKey plain = store.create("plain", Optional.empty()).record();
            assertThat(plain.rpm()).isEmpty();
            assertThat(plain.tpm()).isEmpty();
            ClientKey own = store.create("own", Optional.empty(), OptionalLong.of(60), OptionalLong.of(0)).record();
            assertThat(own.rpm()).hasValue(60);
            assertThat(own.tpm()).as("0: unlimited, stored as such").hasValue(0);

            assertThat(store.setRpm(own.id(), OptionalLong.empty()).orElseThrow().rpm()).isEmpty();
            assertThat(store.setTpm(own.id(), OptionalLong.of(100_000)).orElseThrow().tpm()).hasValue(100_000);
            assertThat(store.find(own.id()).orElseThrow().rpm()).isEmpty();
            assertThat(new ApiKeys(store).byId(own.id()).orElseThrow().tpm()).hasValue(100_000);
            assertThat(store.setRpm("key-nope", OptionalLong.of(1))).isEmpty();
        }
    }

    @Test
    void rateLimitsAreWholeNumbersFromZero() {
        assertThat(KeyStore.rate("0", "rpm", 10)).isZero();
        assertThat(KeyStore.rate("10", "rpm", 10)).isEqualTo(10);
        for (String bad : List.of("-1", "11", "1.5", "x", "")) {
            assertThatThrownBy(() -> KeyStore.rate(bad, "--rpm", 10))
                    .hasMessage("--rpm: '" + bad + "' (expected: a whole number from 0 to 10; 0 is unlimited)");
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void bootstrapKeysAreAddedOnceAndRetiredWhenNoLongerListed(String kind) {
        try (Database db = Database.open(TestDatabases.fresh(kind, dir))) {
            KeyStore store = new KeyStore(db);
            store.bootstrap(List.of("ar-one-0123456789", "ar-two-0123456789"));
            store.bootstrap(List.of("ar-one-0123456789", "ar-two-0123456789"));
            ApiKeys keys = new ApiKeys(store);
            String two = keys.find("ar-two-0123456789").orElseThrow().id();
            store.setDisabled(two, true);

            store.bootstrap(List.of("ar-two-0123456789", "ar-three-0123456789"));
            keys.refresh();

            assertThat(store.list()).hasSize(3);
            assertThat(keys.find("ar-one-0123456789").orElseThrow().disabled()).as("no longer listed").isTrue();
            assertThat(keys.find("ar-two-0123456789").orElseThrow().disabled()).as("an admin disabled it").isTrue();
            assertThat(keys.find("ar-three-0123456789").orElseThrow().disabled()).isFalse();
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void ledgerRowsAddUpToTheKeysSpendUnderConcurrentWriters(String kind) throws Exception {
        StorageConfig storage = TestDatabases.fresh(kind, dir);
        String id;
        int rows = 2000;
        ExecutorService writer = Executors.newSingleThreadExecutor();
        ExecutorService producers = Executors.newFixedThreadPool(8);
        try (Database db = Database.open(storage)) {
            KeyStore store = new KeyStore(db);
            id = store.create("k", Optional.empty()).record().id();
            Ledger ledger = new Ledger(db, writer);
            for (int i = 0; i < rows; i++) {
                int n = i;
                producers.execute(() -> ledger.add(row("gen-" + n, id, new BigDecimal("0.000001234567"))));
            }
            producers.shutdown();
            assertThat(producers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            assertThat(ledger.find("gen-7")).as("seen while queued or written").isPresent();
            ledger.close(); // writes everything still queued
            assertThat(ledger.backlog()).isZero();
        } finally {
            writer.shutdownNow();
        }
        try (Database db = Database.open(storage)) {
            BigDecimal expected = new BigDecimal("0.000001234567").multiply(BigDecimal.valueOf(rows));
            assertThat(new KeyStore(db).used(id)).isEqualByComparingTo(expected);
            assertThat(query(db, "SELECT COUNT(*), SUM(total_cost) FROM generations WHERE key_id = '" + id + "'"))
                    .isEqualTo(rows + " " + expected.stripTrailingZeros().toPlainString());
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void aRowIsStoredOnceAndReadBackExactly(String kind) {
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (Database db = Database.open(TestDatabases.fresh(kind, dir))) {
            String id = new KeyStore(db).create("k", Optional.empty()).record().id();
            Ledger ledger = new Ledger(db, writer);
            GenerationRecord row = row("gen-x", id, new BigDecimal("0.000123"));
            ledger.add(row);
            ledger.add(row);
            Awaitility.await().until(() -> ledger.backlog() == 0);

            LedgerRow entry = ledger.find("gen-x").orElseThrow();
            assertThat(entry.cost()).isEqualByComparingTo("0.000123");
            assertThat(entry.promptTokens()).isEqualTo(11);
            assertThat(entry.completionTokens()).isEqualTo(7);
            assertThat(entry.cancelled()).isTrue();
            assertThat(entry.outcome()).isEqualTo("cancelled");
            assertThat(entry.firstChunkMillis()).isEqualTo(12L);
            assertThat(new KeyStore(db).used(id)).as("billed once").isEqualByComparingTo("0.000123");
            ledger.close();
        } finally {
            writer.shutdownNow();
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void aRowTheDatabaseRefusesDoesNotHoldUpTheOthers(String kind) throws Exception {
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (Database db = Database.open(TestDatabases.fresh(kind, dir))) {
            String id = new KeyStore(db).create("k", Optional.empty()).record().id();
            Ledger ledger = new Ledger(db, writer);
            ledger.add(row("gen-1", id, new BigDecimal("0.1")));
            ledger.add(row("gen-2", "key-unknown", new BigDecimal("0.2"))); // no such key: refused
            ledger.add(row("gen-3", id, new BigDecimal("0.3")));
            Awaitility.await().until(() -> ledger.backlog() == 0);

            assertThat(query(db, "SELECT id FROM generations ORDER BY id")).isEqualTo("gen-1 gen-3");
            assertThat(new KeyStore(db).used(id)).isEqualByComparingTo("0.4");
            ledger.close();
        } finally {
            writer.shutdownNow();
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void aRowTheDatabaseRefusesIsStoredSanitisedAndStillBilled(String kind) throws Exception {
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (Database db = Database.open(TestDatabases.fresh(kind, dir))) {
            if (!db.postgresql()) { // H2 takes a NUL; PostgreSQL refuses one in text: the same refusal here
                try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
                    s.execute("ALTER TABLE generations ADD CONSTRAINT refuses_nul CHECK (LOCATE(CHAR(0), model) = 0)");
                }
            }
            String id = new KeyStore(db).create("k", Optional.empty()).record().id();
            Ledger ledger = new Ledger(db, writer);
            ledger.add(row("gen-1", id, new BigDecimal("0.1")));
            ledger.add(new GenerationRecord("gen-nul", id, "openai/gpt\u00004o", "gpt-4o", "openai", true,
                    Generation.Outcome.COMPLETED, "stop", 3, "Hello", 11, 7, true, new BigDecimal("0.2"), 12L, 40,
                    Instant.now(), null, 200, 0, 0));
            ledger.add(new GenerationRecord("gen-long", id, "openai/gpt-4o", "gpt-4o", "p".repeat(100), true,
                    Generation.Outcome.FAILED, "stop\n", 3, "Hello", 11, 7, true, new BigDecimal("0.4"), 12L, 40,
                    Instant.now(), "upstream\u0000 failed", 200, 0, 0));
            Awaitility.await().until(() -> ledger.backlog() == 0);

            assertThat(query(db, "SELECT id FROM generations ORDER BY id")).isEqualTo("gen-1 gen-long gen-nul");
            assertThat(new KeyStore(db).used(id)).as("every cost charged").isEqualByComparingTo("0.7");
            LedgerRow nul = ledger.find("gen-nul").orElseThrow();
            assertThat(nul.model()).isEqualTo("openai/gpt4o");
            assertThat(nul.cost()).isEqualByComparingTo("0.2");
            assertThat(nul.error()).startsWith("quarantined: the database refused the row");
            LedgerRow longer = ledger.find("gen-long").orElseThrow();
            assertThat(longer.provider()).hasSize(64);
            assertThat(longer.finishReason()).isEqualTo("stop");
            assertThat(longer.error()).startsWith("quarantined:").endsWith("; upstream failed");
            ledger.close();
        } finally {
            writer.shutdownNow();
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void keysSurviveARestart(String kind) {
        StorageConfig storage = TestDatabases.fresh(kind, dir);
        String key;
        try (Database db = Database.open(storage)) {
            key = new KeyStore(db).create("kept", Optional.empty()).key();
        }
        try (Database db = Database.open(storage)) {
            assertThat(new ApiKeys(new KeyStore(db)).find(key)).isPresent();
        }
    }

    private static GenerationRecord row(String id, String keyId, BigDecimal cost) {
        return new GenerationRecord(id, keyId, "openai/gpt-4o", "gpt-4o-2024", "openai", true,
                Generation.Outcome.CANCELLED, null, 3, "Hello", 11, 7, true, cost, 12L, 40, Instant.now(), null, 200, 0, 0);
    }

    private static String dump(Database db) throws Exception {
        return query(db, "SELECT id, key_hash, label FROM api_keys");
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
