package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyrouter.config.StorageConfig;
import dev.anyrouter.store.Database;
import dev.anyrouter.store.KeyHash;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway closed right after its last response has written every ledger row: reopening its embedded database
 * finds one row per generation, and the key's spend is their sum. Nothing a client was answered goes unbilled.
 *
 * <p>So that rows are certainly still queued when the gateway closes, the database is slow while the requests
 * run: the test holds a lock on the key's row, which the ledger writer needs to add the costs to its spend, and
 * lets go only once the engine has begun to close.
 */
class LedgerShutdownIT {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final int CLIENTS = 5;
    private static final int PER_CLIENT = 10;
    private static final String REQUEST = "{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Count to 5\"}],\"simulation\":{\"first_token_delay_ms\":0,\"chunk_delay_ms\":0}}";
    private static final String STREAMED = REQUEST.replace("{\"model\"",
            "{\"stream\":true,\"stream_options\":{\"include_usage\":true},\"model\"");

    @TempDir
    Path dir;

    @Test
    void everyGenerationAnsweredBeforeTheGatewayClosedIsInTheLedger() throws Exception {
        Map<String, BigDecimal> answered = new HashMap<>(); // generation id -> the cost its client was shown
        Gateway gateway = Gateway.offline("ANYROUTER_DATA_DIR", dir.toString(), "ANYROUTER_PRICES",
                "openai/gpt-4o=0.000001:0.000002");
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS + 1);
        Connection lock = Gateway.database(dir);
        try {
            lock.setAutoCommit(false);
            try (PreparedStatement ps = lock.prepareStatement("SELECT credit_used FROM api_keys WHERE id = ? "
                    + "FOR UPDATE")) {
                ps.setString(1, keyId());
                ps.executeQuery().close();
            }
            List<Future<Map<String, BigDecimal>>> runs = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                runs.add(clients.submit(() -> {
                    Map<String, BigDecimal> mine = new HashMap<>();
                    for (int i = 0; i < PER_CLIENT; i++) {
                        Map.Entry<String, BigDecimal> one = generate(gateway, i % 2 == 0 ? STREAMED : REQUEST);
                        mine.put(one.getKey(), one.getValue());
                    }
                    return mine;
                }));
            }
            for (Future<Map<String, BigDecimal>> run : runs) {
                answered.putAll(run.get());
            }
            assertThat(gateway.engine().ledger().backlog()).as("rows still queued at the close").isPositive();
            ScheduledExecutorService engineTimer = gateway.engine().timer();
            clients.submit(() -> {
                // the database is back only once the engine has begun to close (it stops its timer first)
                Awaitility.await().pollInterval(Duration.ofMillis(5)).atMost(Duration.ofSeconds(10))
                        .until(engineTimer::isShutdown);
                Thread.sleep(200);
                lock.commit();
                return null;
            });
        } finally {
            gateway.close(); // right after the last response
            clients.shutdown();
            assertThat(clients.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            lock.close();
        }
        assertThat(answered).hasSize(CLIENTS * PER_CLIENT);
        BigDecimal shown = answered.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);

        try (Database db = Database.open(StorageConfig.embedded(dir)); Connection c = db.dataSource().getConnection()) {
            Map<String, BigDecimal> rows = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, total_cost FROM generations WHERE key_id = ?")) {
                ps.setString(1, keyId());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.put(rs.getString(1), rs.getBigDecimal(2));
                    }
                }
            }
            BigDecimal sum = rows.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
            assertThat(rows.keySet()).as("one row per generation answered").isEqualTo(answered.keySet());
            assertThat(sum).as("the rows cost what the clients were shown").isEqualByComparingTo(shown);
            try (PreparedStatement ps = c.prepareStatement("SELECT credit_used FROM api_keys WHERE id = ?")) {
                ps.setString(1, keyId());
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getBigDecimal(1)).as("credit_used is the sum of the rows")
                            .isEqualByComparingTo(sum).isPositive();
                }
            }
        }
    }

    /** One generation read to its end: its id and the cost in the usage its client got. */
    private static Map.Entry<String, BigDecimal> generate(Gateway gateway, String body) throws Exception {
        try (RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER,
                body)) {
            String text = client.rest();
            assertThat(client.status).as(text).isEqualTo(200);
            String id = client.headers.get("x-generation-id");
            JsonNode usage = null;
            if (body.contains("\"stream\":true")) {
                assertThat(text).endsWith("data: [DONE]\n\n");
                for (String event : Chunks.withoutComments(text).split("\n\n")) {
                    if (!event.equals("data: [DONE]") && event.contains("\"usage\":{")) {
                        usage = JSON.readTree(event.substring("data: ".length())).path("usage");
                    }
                }
            } else {
                usage = JSON.readTree(text).path("usage");
            }
            assertThat(usage).as("usage in " + text).isNotNull();
            assertThat(usage.path("cost").isNumber()).as("cost in " + usage).isTrue();
            return Map.entry(id, usage.path("cost").decimalValue());
        }
    }

    private static String keyId() {
        return KeyHash.id(KeyHash.sha256Hex(Gateway.KEY));
    }
}
