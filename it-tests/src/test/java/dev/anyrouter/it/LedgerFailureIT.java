package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The database stops accepting the ledger's writes under a running gateway (its table made unreachable, as a
 * full disk or a stopped server would): the rows wait in memory and are written once it is back, the ledger's
 * meters say so at once, and after 10 s of failures {@code /ready} answers 503 and billable requests are refused
 * with a 503 and a Retry-After.
 */
class LedgerFailureIT {

    private Gateway gateway;

    @BeforeEach
    void start() {
        gateway = Gateway.offline();
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    @Test
    void rowsWaitForTheDatabaseWhileBillableRequestsAreRefused() throws Exception {
        String before = stream(3);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> rowOutcome(before) != null);
        assertThat(status("/ready")).isEqualTo(200);
        assertThat(metrics()).containsEntry("anyrouter_ledger_healthy", 1.0)
                .containsEntry("anyrouter_ledger_write_failures_total", 0.0);

        sql("ALTER TABLE generations RENAME TO generations_away"); // every ledger write fails from now on
        String during = stream(3); // admitted before the ledger noticed: served, its row kept in memory
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> metrics().get("anyrouter_ledger_healthy") == 0);
        assertThat(status("/ready")).as("a passing failure: still ready").isEqualTo(200);
        // failing for 10 s: refused from then on
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> status("/ready") == 503);
        Map<String, Double> broken = metrics();
        assertThat(broken).containsEntry("anyrouter_ledger_healthy", 0.0);
        assertThat(broken.get("anyrouter_ledger_write_failures_total")).isPositive();
        assertThat(broken.get("anyrouter_ledger_queue_depth")).isPositive();
        try (RawClient refused = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER,
                body(3))) {
            assertThat(refused.status).isEqualTo(503);
            assertThat(refused.headers).containsEntry("retry-after", "5");
            assertThat(refused.rest()).contains("cannot record usage");
        }
        assertThat(broken).containsKey("anyrouter_refusals_total{reason=\"ledger\"}");

        sql("ALTER TABLE generations_away RENAME TO generations");
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> status("/ready") == 200);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> metrics().get("anyrouter_ledger_queue_depth") == 0);
        assertThat(rowOutcome(during)).as("written after the recovery").isEqualTo("completed");
        assertThat(metrics()).containsEntry("anyrouter_ledger_healthy", 1.0)
                .containsEntry("anyrouter_refusals_total{reason=\"ledger\"}", 1.0);
        String after = stream(3); // served again
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> rowOutcome(after) != null);
        assertThat(new java.math.BigDecimal(query("SELECT k.credit_used - (SELECT SUM(g.total_cost) FROM generations g "
                + "WHERE g.key_id = k.id) FROM api_keys k"))).as("the key's spend is the sum of its rows")
                .isEqualByComparingTo("0");
    }

    /** A stream of {@code count} chunks, read to its end; returns its generation id. */
    private String stream(int count) throws IOException {
        try (RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER,
                body(count))) {
            assertThat(client.status).isEqualTo(200);
            assertThat(client.rest()).endsWith("data: [DONE]\n\n");
            return client.headers.get("x-generation-id");
        }
    }

    private static String body(int count) {
        return "{\"model\":\"openai/gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"Count to " + count + "\"}]}";
    }

    private int status(String path) throws IOException {
        try (RawClient client = RawClient.connect(gateway.uri()).get(path)) {
            client.rest();
            return client.status;
        }
    }

    private String rowOutcome(String id) throws Exception {
        return gateway.engine().ledger().find(id).filter(e -> !e.outcome().equals("in_progress"))
                .map(e -> query("SELECT outcome FROM generations WHERE id = '" + id + "'")).orElse(null);
    }

    private void sql(String statement) throws Exception {
        try (Connection c = Gateway.database(gateway.dataDir());
                Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private String query(String sql) {
        try (Connection c = Gateway.database(gateway.dataDir());
                Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, Double> metrics() throws IOException {
        Map<String, Double> series = new HashMap<>();
        try (RawClient client = RawClient.connect(gateway.uri()).get("/metrics")) {
            for (String line : client.rest().split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    int space = line.lastIndexOf(' ');
                    series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
                }
            }
        }
        return series;
    }
}
