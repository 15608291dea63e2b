package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.config.StorageConfig;
import dev.anyrouter.store.KeyStore;
import dev.anyrouter.store.TestDatabases;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key's credit limit is a cap: 200 parallel streams on a key limited to $0.001 (each of which alone would cost
 * more) together spend no more than the limit and one chunk's worth, on the embedded database and on two replicas
 * sharing PostgreSQL; every request ends as a whole answer, an answer cut short in-band by the cap, or a 402 before
 * it reached the upstream; and the key's usage is the sum of what its generations were billed.
 */
@Timeout(180)
class CreditCapIT {

    private static final BigDecimal LIMIT = new BigDecimal("0.001");
    /** Prompt and completion per token: a chunk of the simulator's count (", 123") is at most 3 tokens. */
    private static final String PRICES = "openai/gpt-4o=0.000001:0.000002";
    private static final BigDecimal ONE_CHUNK = new BigDecimal("0.000006");
    /** About 1,100 completion tokens: $0.0022, twice the limit. */
    private static final String LONG = "{\"model\":\"openai/gpt-4o\",\"stream\":true,%s"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Count to 400\"}]}";

    @TempDir
    Path dir;

    private final Map<String, BigDecimal> billed = new ConcurrentHashMap<>();

    @Test
    void aSingleLongStreamIsCutInBandAtTheLimit() throws Exception {
        try (Gateway gateway = gateway(List.of())) {
            KeyStore.NewKey key = limitedKey(gateway);
            try (RawClient client = post(gateway, key.key(), String.format(LONG, ""))) {
                assertThat(client.status).isEqualTo(200);
                String body = client.rest();
                assertThat(body).contains("\"code\":402").contains("credit limit was reached during the stream")
                        .doesNotContain("\"finish_reason\":\"stop\"");
            }
            assertSpentWithinTheLimit(gateway, key);
            try (RawClient client = post(gateway, key.key(), String.format(LONG, ""))) {
                assertThat(client.status).as("nothing left").isEqualTo(402);
                assertThat(client.rest()).contains("credit limit");
            }
        }
    }

    @Test
    void twoHundredParallelStreamsOnTheEmbeddedDatabaseStayWithinTheLimit() throws Exception {
        try (Gateway gateway = gateway(List.of())) {
            KeyStore.NewKey key = limitedKey(gateway);
            Map<String, Integer> outcomes = storm(List.of(gateway), key.key());
            assertThat(outcomes.get("402")).as("refused: " + outcomes).isPositive();
            assertSpentWithinTheLimit(gateway, key);
        }
    }

    @Test
    void twoHundredParallelStreamsOnTwoReplicasSharingPostgresqlStayWithinTheLimit() throws Exception {
        StorageConfig db = TestDatabases.fresh(TestDatabases.POSTGRES, dir);
        List<String> shared = new ArrayList<>(List.of("ANYROUTER_DB_URL", db.url().orElseThrow()));
        db.user().ifPresent(user -> shared.addAll(List.of("ANYROUTER_DB_USER", user)));
        db.password().ifPresent(password -> shared.addAll(List.of("ANYROUTER_DB_PASSWORD", password.reveal())));
        try (Gateway a = gateway(shared); Gateway b = gateway(shared)) {
            KeyStore.NewKey key = limitedKey(a);
            b.engine().keys().refresh();
            storm(List.of(a, b), key.key());
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> b.engine().ledger().backlog() == 0);
            assertSpentWithinTheLimit(a, key);
        }
    }

    /** 200 long streams at once, half of them with a small max_tokens; the count of each way they ended. */
    private Map<String, Integer> storm(List<Gateway> gateways, String key) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(200);
        try {
            List<Future<String>> ends = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                Gateway gateway = gateways.get(i % gateways.size());
                String body = String.format(LONG, i % 2 == 0 ? "" : "\"max_tokens\":60,");
                ends.add(clients.submit(() -> ending(gateway, key, body)));
            }
            Map<String, Integer> counts = new ConcurrentHashMap<>();
            for (Future<String> end : ends) {
                counts.merge(end.get(120, TimeUnit.SECONDS), 1, Integer::sum);
            }
            assertThat(counts.keySet()).as("every request ended as a whole answer, a cut one or a 402: " + counts)
                    .isSubsetOf("whole", "cut", "402");
            return counts;
        } finally {
            clients.shutdownNow();
        }
    }

    private static String ending(Gateway gateway, String key, String body) throws IOException {
        try (RawClient client = post(gateway, key, body)) {
            String text = client.rest();
            if (client.status == 402 && text.contains("credit limit")) {
                return "402";
            }
            if (client.status == 200 && text.endsWith("data: [DONE]\n\n") && !text.contains("\"error\"")) {
                return "whole";
            }
            if (client.status == 200 && text.contains("\"code\":402")) {
                return "cut";
            }
            return client.status + ": " + text.substring(Math.max(0, text.length() - 300));
        }
    }

    private void assertSpentWithinTheLimit(Gateway gateway, KeyStore.NewKey key) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> gateway.engine().ledger().backlog() == 0);
        BigDecimal used = gateway.engine().keyStore().find(key.record().id()).orElseThrow().used();
        BigDecimal sum = billed.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(used).as("the key's usage is what its generations were billed").isEqualByComparingTo(sum);
        assertThat(used).as("within the limit and one chunk").isLessThanOrEqualTo(LIMIT.add(ONE_CHUNK));
        assertThat(used).as("and the credit was used").isGreaterThan(LIMIT.divide(BigDecimal.valueOf(2)));
    }

    private Gateway gateway(List<String> more) {
        List<String> settings = new ArrayList<>(List.of("ANYROUTER_PRICES", PRICES, "ANYROUTER_SIM_CHUNK_DELAY_MS",
                "1", "ANYROUTER_KEY_REFRESH_MS", "100"));
        settings.addAll(more);
        Gateway gateway = Gateway.offline(settings.toArray(String[]::new));
        gateway.engine().onGeneration(record -> bill(record));
        return gateway;
    }

    private void bill(GenerationRecord record) {
        billed.put(record.id(), record.cost());
    }

    private static KeyStore.NewKey limitedKey(Gateway gateway) {
        KeyStore.NewKey key = gateway.engine().keyStore().create("capped", Optional.of(LIMIT));
        gateway.engine().keys().refresh();
        return key;
    }

    private static RawClient post(Gateway gateway, String key, String body) throws IOException {
        return RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", "Bearer " + key, body);
    }
}
