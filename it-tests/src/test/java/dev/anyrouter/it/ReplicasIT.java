package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyrouter.config.Secret;
import dev.anyrouter.config.StorageConfig;
import dev.anyrouter.store.KeyStore;
import dev.anyrouter.store.TestDatabases;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateways ("replicas") sharing one PostgreSQL database, as {@code ANYROUTER_DB_URL} promises: keys made or
 * disabled on one take effect on the other within a key refresh, the ledger and the spend are one, and so is the
 * credit limit. The upstream is the built-in simulator, which reports its usage, at a price set for the test.
 */
class ReplicasIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PRICES = "openai/gpt-4o=0.000001:0.000002";
    private static final String REQUEST = "{\"model\":\"openai/gpt-4o\","
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Count to 5\"}]}";
    private static final String STREAMED = REQUEST.replace("{\"model\"", "{\"stream\":true,\"model\"");
    private static final Duration REFRESH = Duration.ofMillis(100);

    @TempDir
    Path dir;

    private StorageConfig db;
    private Gateway a;
    private Gateway b;

    @BeforeEach
    void start() {
        db = TestDatabases.fresh(TestDatabases.POSTGRES, dir);
        a = replica();
        b = replica();
    }

    @AfterEach
    void stop() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    private Gateway replica() {
        List<String> settings = new ArrayList<>(List.of("ANYROUTER_DB_URL", db.url().orElseThrow(),
                "ANYROUTER_KEY_REFRESH_MS", Long.toString(REFRESH.toMillis()), "ANYROUTER_PRICES", PRICES));
        db.user().ifPresent(user -> settings.addAll(List.of("ANYROUTER_DB_USER", user)));
        db.password().ifPresent(password -> settings.addAll(List.of("ANYROUTER_DB_PASSWORD", password.reveal())));
        return Gateway.offline(settings.toArray(String[]::new));
    }

    @Test
    void aKeyCreatedOnOneReplicaIsAcceptedByTheOtherWithinASecond() throws Exception {
        assertThat(keyInfo(b, Gateway.KEY)).as("B is up (and warm): what follows times the refresh only").isNotNull();
        KeyStore.NewKey key = a.engine().keyStore().create("made on A", Optional.of(new BigDecimal("5")));
        long created = System.nanoTime();

        JsonNode seen = Awaitility.await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
                .atMost(Duration.ofSeconds(1)).until(() -> keyInfo(b, key.key()), Objects::nonNull);
        long millis = (System.nanoTime() - created) / 1_000_000;

        assertThat(millis).as("ms until replica B accepted the key").isLessThan(1_000);
        assertThat(seen.path("label").asText()).isEqualTo("made on A");
        assertThat(seen.path("limit").decimalValue()).isEqualByComparingTo("5");
        assertThat(seen.path("usage").decimalValue()).isEqualByComparingTo("0");
        try (RawClient client = post(b, key.key(), REQUEST)) {
            assertThat(client.status).as("B serves the key A made").isEqualTo(200);
            client.rest();
        }
    }

    @Test
    void bothReplicasWriteOneLedgerAndTheKeysUsageIsTheSumOfItsRows() throws Exception {
        KeyStore.NewKey key = a.engine().keyStore().create("shared", Optional.empty());
        awaitAccepted(key.key());

        List<String> fromA = new ArrayList<>();
        List<String> fromB = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            fromA.add(generate(a, key.key(), i % 2 == 0 ? REQUEST : STREAMED));
            fromB.add(generate(b, key.key(), i % 2 == 0 ? STREAMED : REQUEST));
        }

        // each replica's generation API finds the other's rows, once the other has written them
        BigDecimal sum = BigDecimal.ZERO;
        for (String id : fromA) {
            JsonNode row = generationRow(b, key.key(), id);
            assertThat(row.path("total_cost").decimalValue()).isPositive();
            assertThat(row.path("tokens_counted").asBoolean()).as("the simulator reports its usage").isFalse();
            sum = sum.add(row.path("total_cost").decimalValue());
        }
        for (String id : fromB) {
            JsonNode row = generationRow(a, key.key(), id);
            assertThat(row.path("total_cost").decimalValue()).isPositive();
            sum = sum.add(row.path("total_cost").decimalValue());
        }

        // every row written by its replica, none still queued (usage would count a queued row as well)
        Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> a.engine().ledger().backlog() + b.engine().ledger().backlog() == 0);
        Ledger ledger = ledger(key.record().id());
        assertThat(ledger.rows()).as("rows of both replicas in the shared ledger").isEqualTo(6);
        assertThat(ledger.cost()).isEqualByComparingTo(sum);
        assertThat(ledger.creditUsed()).as("credit_used is the sum of the rows").isEqualByComparingTo(sum);
        for (Gateway replica : List.of(a, b)) {
            assertThat(keyInfo(replica, key.key()).path("usage").decimalValue())
                    .as("GET /api/v1/key usage on either replica").isEqualByComparingTo(ledger.cost());
        }
    }

    @Test
    void creditSpentThroughOneReplicaIsSpentOnTheOther() throws Exception {
        // covers the prompt, not the whole answer: the stream is cut at the limit
        BigDecimal limit = new BigDecimal("0.00002");
        KeyStore.NewKey key = a.engine().keyStore().create("limited", Optional.of(limit));
        awaitAccepted(key.key());

        String id = generate(a, key.key(), STREAMED);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> ledger(key.record().id()).rows() == 1);
        BigDecimal cost = ledger(key.record().id()).cost();
        // at most a chunk over: a chunk (", 2") is 2 or 3 tokens at $0.000002
        assertThat(cost).isPositive().isLessThanOrEqualTo(limit.add(new BigDecimal("0.000006")));
        assertThat(b.engine().ledger().backlog()).as("B itself has billed nothing").isZero();

        try (RawClient client = post(b, key.key(), REQUEST)) {
            String body = client.rest();
            assertThat(client.status).as("B refuses the key A has spent: " + body).isEqualTo(402);
            assertThat(body).contains("credit limit");
        }
        JsonNode info = keyInfo(b, key.key());
        assertThat(info.path("usage").decimalValue()).isEqualByComparingTo(cost);
        assertThat(info.path("limit_remaining").decimalValue()).isEqualByComparingTo(limit.subtract(cost).max(
                BigDecimal.ZERO));
        assertThat(generationRow(b, key.key(), id).path("total_cost").decimalValue()).isEqualByComparingTo(cost);
        assertThat(ledger(key.record().id()).rows()).as("the refused request is not billed").isEqualTo(1);
    }

    @Test
    void aKeyDisabledOnOneReplicaIsRefusedByTheOtherWithinASecond() throws Exception {
        KeyStore.NewKey key = a.engine().keyStore().create("to disable", Optional.empty());
        awaitAccepted(key.key());
        assertThat(generate(b, key.key(), REQUEST)).startsWith("gen-");

        a.engine().keyStore().setDisabled(key.record().id(), true);
        long disabled = System.nanoTime();
        int status = Awaitility.await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
                .atMost(Duration.ofSeconds(1)).until(() -> status(b, key.key()), s -> s == 403);
        long millis = (System.nanoTime() - disabled) / 1_000_000;

        assertThat(status).isEqualTo(403);
        assertThat(millis).as("ms until replica B refused the key").isLessThan(1_000);
        try (RawClient client = post(b, key.key(), REQUEST)) {
            assertThat(client.status).isEqualTo(403);
            assertThat(client.rest()).contains("is disabled");
        }
    }

    /** Waits until both replicas accept {@code key}. */
    private void awaitAccepted(String key) {
        for (Gateway replica : List.of(a, b)) {
            Awaitility.await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
                    .atMost(Duration.ofSeconds(2)).until(() -> keyInfo(replica, key), Objects::nonNull);
        }
    }

    /** One generation through {@code replica}, read to its end; its id. */
    private static String generate(Gateway replica, String key, String body) throws IOException {
        try (RawClient client = post(replica, key, body)) {
            String text = client.rest();
            assertThat(client.status).as(text).isEqualTo(200);
            String id = client.headers.get("x-generation-id");
            assertThat(id).startsWith("gen-");
            return id;
        }
    }

    private static RawClient post(Gateway replica, String key, String body) throws IOException {
        return RawClient.connect(replica.uri()).postJson("/api/v1/chat/completions", body,
                "Authorization: Bearer " + key);
    }

    /** {@code GET /api/v1/key}'s data, or {@code null} while the replica does not accept the key. */
    private static JsonNode keyInfo(Gateway replica, String key) throws IOException {
        try (RawClient client = RawClient.connect(replica.uri()).send("GET", "/api/v1/key", "Bearer " + key,
                null)) {
            String body = client.rest();
            return client.status == 200 ? JSON.readTree(body).path("data") : null;
        }
    }

    private static int status(Gateway replica, String key) throws IOException {
        try (RawClient client = RawClient.connect(replica.uri()).send("GET", "/api/v1/key", "Bearer " + key,
                null)) {
            client.rest();
            return client.status;
        }
    }

    /** A generation's row through {@code replica}'s {@code GET /api/v1/generation}, once it is there. */
    private static JsonNode generationRow(Gateway replica, String key, String id) {
        return Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
            try (RawClient client = RawClient.connect(replica.uri()).send("GET", "/api/v1/generation?id=" + id,
                    "Bearer " + key, null)) {
                String body = client.rest();
                return client.status == 200 ? JSON.readTree(body).path("data") : null;
            }
        }, Objects::nonNull);
    }

    /** The key's rows, their summed cost and its credit_used, read from the database itself. */
    private record Ledger(long rows, BigDecimal cost, BigDecimal creditUsed) {
    }

    private Ledger ledger(String keyId) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.url().orElseThrow(), db.user().orElse(null),
                db.password().map(Secret::reveal).orElse(null));
                PreparedStatement ps = c.prepareStatement("SELECT COUNT(g.id), COALESCE(SUM(g.total_cost), 0), "
                        + "(SELECT credit_used FROM api_keys WHERE id = ?) FROM generations g WHERE g.key_id = ?")) {
            ps.setString(1, keyId);
            ps.setString(2, keyId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Ledger(rs.getLong(1), rs.getBigDecimal(2), rs.getBigDecimal(3));
            }
        }
    }
}
