package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyrouter.store.KeyStore;
import java.io.IOException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Credit limits under load: many parallel streams on one key stop at its limit, which they never overspend by more
 * than a chunk (see {@code CreditCapIT} for more), and the key's usage always equals the sum of its ledger rows.
 */
class CreditsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REQUEST = "{\"model\":\"openai/gpt-4o\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Count to 20\"}]}";
    private static final int IN_FLIGHT = 8;

    private Gateway gateway;

    @BeforeEach
    void start() {
        gateway = Gateway.offline("ANYROUTER_PRICES", "openai/gpt-4o=0.000001:0.000002",
                "ANYROUTER_SIM_CHUNK_DELAY_MS", "2");
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    @Test
    void parallelStreamsOnOneKeyStopAtItsLimitAndItsUsageIsTheSumOfItsLedger() throws Exception {
        BigDecimal each = costOfOneStream();
        BigDecimal limit = each.multiply(new BigDecimal("20.5"));
        KeyStore.NewKey key = gateway.engine().keyStore().create("limited", Optional.of(limit));
        gateway.engine().keys().refresh();

        ExecutorService clients = Executors.newFixedThreadPool(IN_FLIGHT);
        List<Future<String>> endings = new ArrayList<>();
        try {
            for (int i = 0; i < 120; i++) {
                endings.add(clients.submit(() -> stream("Bearer " + key.key())));
            }
            int refused = 0;
            for (Future<String> ending : endings) {
                switch (ending.get()) {
                    case "whole", "cut" -> { }
                    case "402" -> refused++;
                    default -> throw new AssertionError("unexpected ending " + ending.get());
                }
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> gateway.engine().ledger().backlog() == 0);
            BigDecimal usage = written(key.record().id());
            assertThat(refused).as("refused once the limit was reached").isPositive();
            assertThat(usage).as("the key's usage is its ledger's sum").isEqualByComparingTo(
                    ledgerSum(key.record().id()));
            // streams in flight hold reservations they may not use up: a tail of the limit can stay unspent
            assertThat(usage).as("spent most of the limit").isGreaterThan(limit.divide(BigDecimal.valueOf(2)));
            assertThat(usage).as("overspent by less than a chunk")
                    .isLessThan(limit.add(each.divide(BigDecimal.TEN)));
        } finally {
            clients.shutdownNow();
        }
        try (RawClient client = RawClient.connect(gateway.uri()).send("GET", "/api/v1/key", "Bearer " + key.key(),
                null)) {
            String body = client.rest();
            assertThat(client.status).as(body).isEqualTo(200);
            JsonNode data = JSON.readTree(body).path("data");
            assertThat(data.path("label").asText()).isEqualTo("limited");
            assertThat(data.path("limit").decimalValue()).isEqualByComparingTo(limit);
            assertThat(data.path("usage").decimalValue()).isEqualByComparingTo(written(key.record().id()));
        }
    }

    /** One stream on the bootstrap key (no limit), billed at the configured price. */
    private BigDecimal costOfOneStream() throws Exception {
        String id;
        try (RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER,
                REQUEST)) {
            id = client.headers.get("x-generation-id");
            client.rest();
        }
        BigDecimal cost = gateway.generation(id).cost();
        assertThat(cost).isPositive();
        return cost;
    }

    /** How a stream ended: "whole", "cut" (in-band, by the credit cap), "402", or what else it got. */
    private String stream(String bearer) throws IOException {
        try (RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", bearer,
                REQUEST)) {
            String body = client.rest();
            if (client.status == 402 && body.contains("\"code\":402") && body.contains("credit limit")) {
                return "402";
            }
            if (client.status == 200 && body.endsWith("data: [DONE]\n\n") && !body.contains("\"error\"")) {
                return "whole";
            }
            if (client.status == 200 && body.contains("credit limit was reached")) {
                return "cut";
            }
            return client.status + " " + body;
        }
    }

    private BigDecimal written(String keyId) throws Exception {
        return query("SELECT credit_used FROM api_keys WHERE id = ?", keyId);
    }

    private BigDecimal ledgerSum(String keyId) throws Exception {
        return query("SELECT COALESCE(SUM(total_cost), 0) FROM generations WHERE key_id = ?", keyId);
    }

    private BigDecimal query(String sql, String keyId) throws Exception {
        try (Connection c = Gateway.database(gateway.dataDir());
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, keyId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBigDecimal(1);
            }
        }
    }
}
