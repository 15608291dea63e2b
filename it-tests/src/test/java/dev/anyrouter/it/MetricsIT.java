package dev.anyrouter.it;

import static dev.anyrouter.it.Chunks.content;
import static dev.anyrouter.it.Chunks.finish;
import static dev.anyrouter.it.Chunks.role;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.engine.Threads;
import dev.anyrouter.ops.AccessLog;
import dev.anyrouter.store.KeyStore;
import java.io.IOException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.assertj.core.data.Offset;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Operations endpoints and logs against a scripted upstream: {@code GET /metrics} after a completed stream, a
 * stream cancelled before its first token, a 401 and an upstream error; the access log's line for each request;
 * {@code GET /ready} while the database answers and while it does not.
 */
class MetricsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROMPT = "PROMPT-SECRET tell me about the lighthouse keeper";
    private static final String COMPLETION = "COMPLETION-SECRET";
    private static final String WRONG_KEY = "ar-wrong-key-SECRET-0123456789";
    private static final String REQUEST = "{\"model\":\"openai/gpt-4o\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}";
    /** A model without a price of its own: its series are tagged {@code model="other"}. */
    private static final String UNLISTED = "openai/unlisted-model-x17";
    private static final String USAGE = "{\"id\":\"chatcmpl-up\",\"object\":\"chat.completion.chunk\",\"created\":"
            + "1700000000,\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,"
            + "\"total_tokens\":11}}";
    private static final String ADMIN_KEY = "admin-key-0123456789abcdef";
    /** A non-streamed answer that used 9 + 20 = 29 tokens. */
    private static final String COMPLETION_JSON = "{\"id\":\"chatcmpl-up\",\"object\":\"chat.completion\","
            + "\"created\":1700000000,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
            + "\"assistant\",\"content\":\"Hello\"},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":20,\"total_tokens\":29}}";
    private static final List<String> REASONS = List.of("auth", "forbidden", "rate_limit_requests",
            "rate_limit_tokens", "key_streams", "global_streams", "relay_threads", "credit", "draining",
            "ledger");
    /** Held strongly: a JUL logger nothing references can be collected with its handler. */
    private static final Logger ACCESS = Logger.getLogger(AccessLog.LOGGER);

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            lines.add(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private ScriptedUpstream upstream;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        ACCESS.addHandler(capture);
        ACCESS.setLevel(Level.INFO);
        upstream = new ScriptedUpstream();
        gateway = Gateway.against(upstream.baseUri(), "ANYROUTER_PRICES", "openai/gpt-4o=0.000001:0.000002");
    }

    @AfterEach
    void stop() throws Exception {
        ACCESS.removeHandler(capture);
        gateway.close();
        upstream.close();
    }

    /** The generation ids of the traffic every test starts with. */
    private record Traffic(String completed, String cancelled, String failed, double activeWhileOpen) {
    }

    /**
     * A completed stream, a stream cancelled before its first token (scraping {@code /metrics} while it is
     * open), a wrong key, and a non-streamed request the upstream fails with a 500.
     */
    private Traffic traffic() throws Exception {
        upstream.script(x -> x.sseHead().data(role()).data(content(COMPLETION)).data(finish("stop")).data(USAGE)
                .data("[DONE]").end());
        String completed;
        try (RawClient client = post(REQUEST, Gateway.BEARER)) {
            completed = client.headers.get("x-generation-id");
            assertThat(client.rest()).contains(COMPLETION).endsWith("data: [DONE]\n\n");
        }
        upstream.next();

        upstream.script(x -> x.sseHead().awaitClosed(30_000));
        RawClient open = post(REQUEST, Gateway.BEARER);
        String cancelled = open.headers.get("x-generation-id");
        ScriptedUpstream.Exchange silent = upstream.next();
        double active = metrics().get("anyrouter_active_relays");
        open.close();
        silent.awaitClosed(3_000);

        try (RawClient client = post(REQUEST, "Bearer " + WRONG_KEY)) {
            assertThat(client.status).isEqualTo(401);
            client.rest();
        }

        upstream.script(x -> x.json(500, "{\"error\":{\"message\":\"internal\",\"type\":\"server_error\"}}"));
        String failed;
        try (RawClient client = post(REQUEST.replace("\"stream\":true,", "").replace("openai/gpt-4o", UNLISTED),
                Gateway.BEARER)) {
            assertThat(client.status).isEqualTo(502);
            failed = client.headers.get("x-generation-id");
            client.rest();
        }
        gateway.generation(completed);
        gateway.generation(cancelled);
        gateway.generation(failed);
        return new Traffic(completed, cancelled, failed, active);
    }

    @Test
    void metricsCountRequestsGenerationsTokensCostCancellationsAndUpstreamErrors() throws Exception {
        Traffic traffic = traffic();
        GenerationRecord completed = gateway.generation(traffic.completed());
        GenerationRecord cancelled = gateway.generation(traffic.cancelled());

        // Requests are counted when their response ends, which may be just after the client saw its end; a relay
        // leaves the count of running ones just after its generation ended.
        Map<String, Double> m = Awaitility.await().atMost(Duration.ofSeconds(5)).until(this::metrics,
                s -> s.getOrDefault("anyrouter_requests_total{api=\"chat\",status=\"200\",stream=\"true\"}", 0.0)
                        == 2 && s.containsKey("anyrouter_requests_total{api=\"chat\",status=\"502\",stream=\"false\"}")
                        && s.get("anyrouter_active_relays") == 0);
        assertThat(m.get("anyrouter_requests_total{api=\"chat\",status=\"401\",stream=\"unknown\"}")).isEqualTo(1);
        assertThat(m.get("anyrouter_requests_total{api=\"chat\",status=\"502\",stream=\"false\"}")).isEqualTo(1);

        assertThat(traffic.activeWhileOpen()).as("the open stream is a running relay").isEqualTo(1);

        assertThat(m.get("anyrouter_cancellations_total{provider=\"openai\"}")).isEqualTo(1);
        assertThat(m.get("anyrouter_upstream_errors_total{provider=\"openai\",status_class=\"5xx\"}")).isEqualTo(1);

        assertThat(completed.promptTokens()).isEqualTo(9);
        assertThat(cancelled.promptTokens()).as("counted by the gateway").isPositive();
        assertThat(m.get("anyrouter_tokens_total{model=\"openai/gpt-4o\",provider=\"openai\",type=\"prompt\"}"))
                .isEqualTo(completed.promptTokens() + cancelled.promptTokens());
        assertThat(m.get("anyrouter_tokens_total{model=\"openai/gpt-4o\",provider=\"openai\",type=\"completion\"}"))
                .isEqualTo(2);
        double cost = completed.cost().add(cancelled.cost()).doubleValue();
        assertThat(cost).isPositive();
        assertThat(m.get("anyrouter_cost_usd_total{model=\"openai/gpt-4o\",provider=\"openai\"}"))
                .isCloseTo(cost, Offset.offset(1e-12));
        assertThat(m.get("anyrouter_tokens_total{model=\"other\",provider=\"openai\",type=\"prompt\"}"))
                .as("an unlisted model's series is 'other'").isZero();
        assertThat(m.keySet()).noneMatch(series -> series.contains("unlisted-model"));

        assertThat(m.get("anyrouter_time_to_first_token_seconds_count{provider=\"openai\"}"))
                .as("only the completed stream delivered a token").isEqualTo(1);
        assertThat(m.get("anyrouter_time_to_first_token_seconds_sum{provider=\"openai\"}"))
                .isCloseTo(completed.firstChunkMillis() / 1000.0, Offset.offset(1e-9));
        assertThat(m.get("anyrouter_generation_duration_seconds_count{provider=\"openai\"}")).isEqualTo(3);
        assertThat(m.keySet().stream().filter(s -> s.startsWith("anyrouter_time_to_first_token_seconds_bucket{")))
                .as("bounded buckets, 1 ms to 120 s").hasSize(17)
                .contains("anyrouter_time_to_first_token_seconds_bucket{provider=\"openai\",le=\"0.001\"}",
                        "anyrouter_time_to_first_token_seconds_bucket{provider=\"openai\",le=\"120.0\"}",
                        "anyrouter_time_to_first_token_seconds_bucket{provider=\"openai\",le=\"+Inf\"}");
        assertThat(m.get("anyrouter_time_to_first_token_seconds_bucket{provider=\"openai\",le=\"+Inf\"}"))
                .isEqualTo(1);
    }

    @Test
    void theAccessLogHasOneLinePerRequestWithItsFinalOutcomeAndNoSecret() throws Exception {
        Traffic traffic = traffic();
        try (RawClient client = RawClient.connect(gateway.uri()).get("/api/v1/models?token=QUERY-SECRET")) {
            client.rest();
        }
        String keyId = gateway.engine().keys().find(Gateway.KEY).orElseThrow().id();

        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> line(traffic.completed()) != null
                && line(traffic.cancelled()) != null && line(traffic.failed()) != null
                && lines.stream().anyMatch(l -> l.contains("\"status\":401"))
                && lines.stream().anyMatch(l -> l.contains("/api/v1/models")));

        JsonNode completed = line(traffic.completed());
        assertThat(completed.path("method").asText()).isEqualTo("POST");
        assertThat(completed.path("path").asText()).isEqualTo("/api/v1/chat/completions");
        assertThat(completed.path("status").asInt()).isEqualTo(200);
        assertThat(Instant.parse(completed.path("time").asText())).isBefore(Instant.now());
        assertThat(completed.path("duration_ms").isIntegralNumber()).isTrue();
        assertThat(completed.path("bytes").asLong()).isGreaterThan(COMPLETION.length());
        assertThat(completed.path("key_id").asText()).isEqualTo(keyId).startsWith("key-");
        assertThat(completed.path("model").asText()).isEqualTo("openai/gpt-4o");
        assertThat(completed.path("streamed").asBoolean()).isTrue();
        assertThat(completed.path("provider").asText()).isEqualTo("openai");
        assertThat(completed.path("outcome").asText()).isEqualTo("completed");
        assertThat(completed.path("cancelled").asBoolean()).isFalse();

        JsonNode cancelled = line(traffic.cancelled());
        assertThat(cancelled.path("status").asInt()).isEqualTo(200);
        assertThat(cancelled.path("outcome").asText()).isEqualTo("cancelled");
        assertThat(cancelled.path("cancelled").asBoolean()).isTrue();

        JsonNode failed = line(traffic.failed());
        assertThat(failed.path("status").asInt()).isEqualTo(502);
        assertThat(failed.path("streamed").asBoolean()).isFalse();
        assertThat(failed.path("model").asText()).isEqualTo(UNLISTED);
        assertThat(failed.path("outcome").asText()).isEqualTo("failed");

        JsonNode unauthorized = JSON.readTree(lines.stream().filter(l -> l.contains("\"status\":401")).findFirst()
                .orElseThrow());
        assertThat(unauthorized.path("path").asText()).isEqualTo("/api/v1/chat/completions");
        assertThat(unauthorized.has("key_id")).isFalse();
        assertThat(unauthorized.has("generation_id")).isFalse();

        JsonNode models = JSON.readTree(lines.stream().filter(l -> l.contains("/api/v1/models")).findFirst()
                .orElseThrow());
        assertThat(models.path("path").asText()).as("no query string").isEqualTo("/api/v1/models");

        for (String id : List.of(traffic.completed(), traffic.cancelled(), traffic.failed())) {
            assertThat(lines.stream().filter(l -> l.contains(id))).as("one line per request").hasSize(1);
        }
        assertThat(lines).allSatisfy(l -> assertThat(l).doesNotContain(Gateway.KEY, WRONG_KEY,
                Gateway.UPSTREAM_KEY, "PROMPT-SECRET", COMPLETION, "QUERY-SECRET").doesNotContain("\n"));
    }

    @Test
    void readyAnswers200WhileTheDatabaseAnswersAnd503WhileItDoesNot() throws Exception {
        try (RawClient client = RawClient.connect(gateway.uri()).get("/ready")) {
            assertThat(client.status).isEqualTo(200);
            assertThat(client.rest()).isEqualTo("{\"status\":\"ready\"}");
        }
        // H2's exclusive mode holds every other session's statements: the database no longer answers.
        try (Connection exclusive = Gateway.database(gateway.engine().config().storage().dataDir()); Statement sql = exclusive.createStatement()) {
            sql.execute("SET EXCLUSIVE 1");
            try {
                long start = System.nanoTime();
                try (RawClient client = RawClient.connect(gateway.uri()).get("/ready")) {
                    assertThat(client.status).isEqualTo(503);
                    assertThat(JSON.readTree(client.rest()).path("error").path("message").asText())
                            .contains("not ready");
                }
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            } finally {
                sql.execute("SET EXCLUSIVE 0");
            }
        }
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
            try (RawClient client = RawClient.connect(gateway.uri()).get("/ready")) {
                return client.status == 200;
            }
        });
    }

    @Test
    void refusalsBeforeTheUpstreamAreCountedByReasonAndNeverByKey() throws Exception {
        upstream.script(x -> {
            if (x.body.contains("\"stream\":true")) {
                x.sseHead().data(role()).awaitClosed(30_000);
            } else {
                x.json(200, COMPLETION_JSON);
            }
        });
        try (Gateway capped = Gateway.against(upstream.baseUri(), "ANYROUTER_MAX_STREAMS_PER_KEY", "1",
                "ANYROUTER_MAX_STREAMS", "2", "ANYROUTER_ADMIN_KEY", ADMIN_KEY)) {
            assertThat(refusals(capped)).as("every reason is a series from the start")
                    .containsExactlyInAnyOrderEntriesOf(counts());

            assertThat(status(capped, "Bearer " + WRONG_KEY, REQUEST)).isEqualTo(401);
            try (RawClient client = RawClient.connect(capped.uri()).postJson("/api/v1/messages", REQUEST)) {
                assertThat(client.status).as("no key, Messages API").isEqualTo(401);
            }
            try (RawClient client = RawClient.connect(capped.uri()).get("/api/v1/keys")) {
                assertThat(client.status).as("no admin key").isEqualTo(401);
            }
            String disabled = key(capped, "disabled-label", Optional.empty(), OptionalLong.empty(),
                    OptionalLong.empty());
            String disabledId = capped.engine().keys().find(disabled).orElseThrow().id();
            capped.engine().keys().update(capped.engine().keyStore().setDisabled(disabledId, true).orElseThrow());
            assertThat(status(capped, "Bearer " + disabled, REQUEST)).isEqualTo(403);

            String broke = key(capped, "broke", Optional.of(BigDecimal.ZERO), OptionalLong.empty(),
                    OptionalLong.empty());
            assertThat(status(capped, "Bearer " + broke, REQUEST)).isEqualTo(402);

            String slow = key(capped, "slow", Optional.empty(), OptionalLong.of(1), OptionalLong.empty());
            String chat = REQUEST.replace("\"stream\":true,", "");
            assertThat(status(capped, "Bearer " + slow, chat)).isEqualTo(200);
            assertThat(status(capped, "Bearer " + slow, chat)).isEqualTo(429);

            String frugal = key(capped, "frugal", Optional.empty(), OptionalLong.empty(), OptionalLong.of(1));
            try (RawClient client = post(capped, chat, "Bearer " + frugal)) {
                assertThat(client.status).isEqualTo(200);
                capped.generation(client.headers.get("x-generation-id"));
            }
            assertThat(status(capped, "Bearer " + frugal, chat)).as("29 tokens of 1 used").isEqualTo(429);

            String a = key(capped, "a", Optional.empty(), OptionalLong.empty(), OptionalLong.empty());
            String b = key(capped, "b", Optional.empty(), OptionalLong.empty(), OptionalLong.empty());
            try (RawClient first = openStream(capped, a)) {
                assertThat(status(capped, "Bearer " + a, REQUEST)).as("a's cap of 1").isEqualTo(503);
                try (RawClient second = openStream(capped, b)) {
                    assertThat(status(capped, Gateway.BEARER, REQUEST)).as("the gateway's cap of 2").isEqualTo(503);
                }
            }
            Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> capped.engine().streamCaps().inFlight() == 0);

            capped.engine().drain(Duration.ofSeconds(1));
            assertThat(status(capped, Gateway.BEARER, REQUEST)).isEqualTo(503);

            assertThat(refusals(capped)).containsExactlyInAnyOrderEntriesOf(counts("auth", 3, "forbidden", 1,
                    "credit", 1, "rate_limit_requests", 1, "rate_limit_tokens", 1, "key_streams", 1,
                    "global_streams", 1, "draining", 1));
            List<String> ids = capped.engine().keyStore().list().stream().map(k -> k.id()).toList();
            assertThat(metrics(capped).keySet()).allSatisfy(series -> assertThat(series)
                    .doesNotContain(ids.toArray(String[]::new))
                    .doesNotContain("disabled-label", "broke", "slow", "frugal", WRONG_KEY, Gateway.KEY));
        }
    }

    @Test
    void aRequestRefusedForWantOfARelayThreadIsCountedOnJdk17() throws Exception {
        Assumptions.assumeFalse(Threads.virtual(), "JDK 21+ relays on virtual threads: no relay-thread limit");
        upstream.script(x -> x.sseHead().awaitClosed(30_000));
        try (Gateway one = Gateway.against(upstream.baseUri(), "ANYROUTER_RELAY_THREADS", "1", "ANYROUTER_PRICES",
                "openai/gpt-4o=0.000001:0.000002")) {
            KeyStore.NewKey limited = one.engine().keyStore().create("limited", Optional.of(BigDecimal.ONE));
            one.engine().keys().refresh();
            // A limited key's admission reserves its credit in the database: while another session holds the
            // database, that request holds the one relay thread (a request waiting for its upstream holds none).
            try (Connection exclusive = Gateway.database(one.dataDir());
                    Statement sql = exclusive.createStatement()) {
                sql.execute("SET EXCLUSIVE 1");
                try (RawClient admitting = RawClient.connect(one.uri()).postOnly("/api/v1/chat/completions",
                        "Bearer " + limited.key(), REQUEST)) {
                    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> refusedForThreads(one));
                } finally {
                    sql.execute("SET EXCLUSIVE 0");
                }
            }
            assertThat(refusals(one)).containsEntry("relay_threads", 1.0);
        }
    }

    /** Whether a request is refused with the relay-thread 503 (another holds the one relay thread). */
    private static boolean refusedForThreads(Gateway to) throws IOException {
        try (RawClient client = post(to, REQUEST, Gateway.BEARER)) {
            return client.status == 503 && client.rest().contains("stream capacity");
        }
    }

    @Test
    void metricsNeedNoKeyAndAreInThePrometheusTextFormat() throws Exception {
        try (RawClient client = RawClient.connect(gateway.uri()).get("/metrics")) {
            assertThat(client.status).isEqualTo(200);
            assertThat(client.headers.get("content-type")).startsWith("text/plain").contains("version=0.0.4");
            assertThat(client.rest()).contains("# TYPE anyrouter_active_relays gauge");
        }
    }

    private RawClient post(String body, String authorization) throws IOException {
        return post(gateway, body, authorization);
    }

    private static RawClient post(Gateway to, String body, String authorization) throws IOException {
        return RawClient.connect(to.uri()).post("/api/v1/chat/completions", authorization, body);
    }

    private static int status(Gateway to, String authorization, String body) throws IOException {
        try (RawClient client = post(to, body, authorization)) {
            client.rest();
            return client.status;
        }
    }

    /** A stream of {@code key} admitted and started (its first event arrived). */
    private static RawClient openStream(Gateway to, String key) throws IOException {
        RawClient client = post(to, REQUEST, "Bearer " + key);
        assertThat(client.status).isEqualTo(200);
        assertThat(client.nextData()).contains("\"role\":\"assistant\"");
        return client;
    }

    /** A new client key with these limits; returns the key's text. */
    private static String key(Gateway to, String label, Optional<BigDecimal> credit, OptionalLong rpm,
            OptionalLong tpm) {
        KeyStore.NewKey key = to.engine().keyStore().create(label, credit, rpm, tpm);
        to.engine().keys().update(key.record());
        return key.key();
    }

    /** The {@code anyrouter_refusals_total} series, by reason. */
    private static Map<String, Double> refusals(Gateway of) throws IOException {
        Map<String, Double> byReason = new HashMap<>();
        metrics(of).forEach((series, value) -> {
            if (series.startsWith("anyrouter_refusals_total{")) {
                assertThat(series).matches("anyrouter_refusals_total\\{reason=\"[a-z_]+\"}");
                byReason.put(series.substring(series.indexOf('"') + 1, series.lastIndexOf('"')), value);
            }
        });
        return byReason;
    }

    /** Every reason at 0 but those given as reason, count pairs. */
    private static Map<String, Double> counts(Object... nonZero) {
        Map<String, Double> counts = new HashMap<>();
        REASONS.forEach(reason -> counts.put(reason, 0.0));
        for (int i = 0; i < nonZero.length; i += 2) {
            counts.put((String) nonZero[i], ((Integer) nonZero[i + 1]).doubleValue());
        }
        return counts;
    }

    /** The access-log line naming generation {@code id}, or null. */
    private JsonNode line(String id) throws IOException {
        for (String line : lines) {
            if (line.contains("\"generation_id\":\"" + id + "\"")) {
                return JSON.readTree(line);
            }
        }
        return null;
    }

    /** {@code GET /metrics}, as series (name and labels, as written) to value. */
    private Map<String, Double> metrics() throws IOException {
        return metrics(gateway);
    }

    private static Map<String, Double> metrics(Gateway of) throws IOException {
        Map<String, Double> series = new HashMap<>();
        try (RawClient client = RawClient.connect(of.uri()).get("/metrics")) {
            assertThat(client.status).isEqualTo(200);
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
