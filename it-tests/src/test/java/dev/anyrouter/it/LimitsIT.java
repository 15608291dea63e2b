package dev.anyrouter.it;

import static dev.anyrouter.it.Chunks.content;
import static dev.anyrouter.it.Chunks.finish;
import static dev.anyrouter.it.Chunks.role;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyrouter.config.Secret;
import dev.anyrouter.config.StorageConfig;
import dev.anyrouter.limits.StreamCaps;
import dev.anyrouter.store.KeyStore;
import dev.anyrouter.store.TestDatabases;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-key rate limits (requests and tokens per minute: 429 with {@code Retry-After}, in each client API's error
 * shape, before the upstream is called; shared by replicas on PostgreSQL) and the caps on requests in flight (503
 * before the upstream is called; every slot given back however its request ended).
 */
class LimitsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN_KEY = "admin-key-0123456789abcdef";
    private static final String CHAT = "{\"model\":\"openai/gpt-4o\","
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String CHAT_STREAM = Chunks.REQUEST;
    private static final String MESSAGES = "{\"model\":\"openai/gpt-4o\",\"max_tokens\":50,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String MESSAGES_STREAM = MESSAGES.replace("{\"model\"", "{\"stream\":true,\"model\"");
    /** An upstream answer that used 9 + 20 = 29 tokens. */
    private static final String COMPLETION = "{\"id\":\"chatcmpl-up\",\"object\":\"chat.completion\","
            + "\"created\":1700000000,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
            + "\"assistant\",\"content\":\"Hello\"},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":20,\"total_tokens\":29}}";

    @TempDir
    Path dir;

    private ScriptedUpstream upstream;
    private final List<Gateway> gateways = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        upstream = new ScriptedUpstream();
        upstream.script(x -> x.json(200, COMPLETION));
    }

    @AfterEach
    void stop() throws IOException {
        gateways.forEach(Gateway::close);
        upstream.close();
    }

    // --- requests per minute ---

    @Test
    void theRequestOverTheKeysRequestsPerMinuteIs429WithRetryAfterBeforeTheUpstreamAndItRecovers() throws Exception {
        // 3 requests per 6 s: a request token refills every 2 s
        Gateway gateway = gateway(upstream, "ANYROUTER_KEY_RPM", "3", "ANYROUTER_LIMIT_WINDOW_MS", "6000");
        for (int i = 0; i < 3; i++) {
            assertThat(chat(gateway, Gateway.KEY).status).isEqualTo(200);
            upstream.next();
        }

        Reply refused = chat(gateway, Gateway.KEY);
        assertThat(refused.status).as(refused.body).isEqualTo(429);
        long retryAfter = Long.parseLong(refused.headers.get("retry-after"));
        assertThat(retryAfter).as("seconds until a request token refills").isBetween(1L, 2L);
        assertThat(refused.headers).as("the gateway did not retry it: the client may").doesNotContainKey("x-should-retry");
        JsonNode error = refused.json().path("error");
        assertThat(error.path("code").asInt()).isEqualTo(429);
        assertThat(error.path("type").asText()).isEqualTo("rate_limit_error");
        assertThat(error.path("message").asText()).contains("rate limit of 3 requests per 6000 ms")
                .contains("retry in " + retryAfter + " s");

        Reply messages = post(gateway, "/api/v1/messages", MESSAGES_STREAM, "x-api-key: " + Gateway.KEY);
        assertThat(messages.status).isEqualTo(429);
        assertThat(messages.headers).containsKey("retry-after");
        assertThat(messages.json().path("type").asText()).isEqualTo("error");
        assertThat(messages.json().path("error").path("type").asText()).isEqualTo("rate_limit_error");
        assertThat(upstream.idle()).as("no refused request reached the upstream").isTrue();

        Thread.sleep(TimeUnit.SECONDS.toMillis(retryAfter));
        assertThat(chat(gateway, Gateway.KEY).status).as("admitted again after Retry-After").isEqualTo(200);
    }

    @Test
    void perKeyLimitsSetThroughTheAdminApiOverrideTheDefault() throws Exception {
        Gateway gateway = gateway(upstream, "ANYROUTER_KEY_RPM", "2", "ANYROUTER_ADMIN_KEY", ADMIN_KEY);
        Reply created = admin(gateway, "POST", "/api/v1/keys", "{\"label\":\"slow\",\"rpm\":1,\"tpm\":1000}");
        assertThat(created.status).as(created.body).isEqualTo(201);
        assertThat(created.json().path("data").path("rpm").asLong()).isEqualTo(1);
        assertThat(created.json().path("data").path("tpm").asLong()).isEqualTo(1000);
        String slow = created.json().path("key").asText();
        String id = created.json().path("data").path("id").asText();

        assertThat(chat(gateway, slow).status).isEqualTo(200);
        Reply refused = chat(gateway, slow);
        assertThat(refused.status).as("its own limit: 1 a minute").isEqualTo(429);
        assertThat(refused.json().path("error").path("message").asText()).contains("'slow'")
                .contains("1 requests per minute");
        assertThat(Long.parseLong(refused.headers.get("retry-after"))).isBetween(1L, 60L);
        assertThat(chat(gateway, Gateway.KEY).status).isEqualTo(200);
        assertThat(chat(gateway, Gateway.KEY).status).isEqualTo(200);
        assertThat(chat(gateway, Gateway.KEY).status).as("the bootstrap key has the default: 2 a minute")
                .isEqualTo(429);

        Reply unlimited = admin(gateway, "PATCH", "/api/v1/keys/" + id, "{\"rpm\":0}");
        assertThat(unlimited.json().path("data").path("rpm").asLong()).isZero();
        for (int i = 0; i < 4; i++) {
            assertThat(chat(gateway, slow).status).as("rpm 0: unlimited").isEqualTo(200);
        }
        Reply byDefault = admin(gateway, "PATCH", "/api/v1/keys/" + id, "{\"rpm\":null}");
        assertThat(byDefault.json().path("data").path("rpm").isNull()).isTrue();
        assertThat(chat(gateway, slow).status).isEqualTo(200);
        assertThat(chat(gateway, slow).status).isEqualTo(200);
        assertThat(chat(gateway, slow).status).as("back to the default: 2 a minute").isEqualTo(429);

        for (String bad : List.of("{\"rpm\":-1}", "{\"rpm\":1.5}", "{\"rpm\":\"5\"}", "{\"tpm\":1e30}",
                "{\"label\":\"renamed\",\"tpm\":-2}")) {
            Reply reply = admin(gateway, "PATCH", "/api/v1/keys/" + id, bad);
            assertThat(reply.status).as(bad).isEqualTo(400);
            assertThat(reply.json().path("error").path("message").asText()).as(bad).containsPattern("^(rpm|tpm):");
        }
        JsonNode unchanged = admin(gateway, "GET", "/api/v1/keys/" + id, null).json().path("data");
        assertThat(unchanged.path("label").asText()).as("a refused change changes nothing").isEqualTo("slow");
        assertThat(unchanged.path("tpm").asLong()).isEqualTo(1000);
    }

    // --- tokens per minute ---

    @Test
    void aKeyThatUsedItsTokensPerMinuteIsRefusedUntilTheyRefill() throws Exception {
        // 20 tokens per 3 s; the first generation uses 29, leaving the bucket 9 in debt: 10 tokens (1.5 s) to wait
        Gateway gateway = gateway(upstream, "ANYROUTER_KEY_TPM", "20", "ANYROUTER_LIMIT_WINDOW_MS", "3000");
        Reply first = chat(gateway, Gateway.KEY);
        assertThat(first.status).as("a full bucket admits a generation larger than it").isEqualTo(200);
        upstream.next();
        assertThat(gateway.generation(first.headers.get("x-generation-id")).promptTokens()).isEqualTo(9);

        Reply refused = chat(gateway, Gateway.KEY);
        assertThat(refused.status).as(refused.body).isEqualTo(429);
        assertThat(Long.parseLong(refused.headers.get("retry-after"))).as("1.5 s, rounded up").isBetween(1L, 2L);
        assertThat(refused.json().path("error").path("type").asText()).isEqualTo("rate_limit_error");
        assertThat(refused.json().path("error").path("message").asText()).contains("20 tokens per 3000 ms");
        Reply messages = post(gateway, "/api/v1/messages", MESSAGES, "x-api-key: " + Gateway.KEY);
        assertThat(messages.status).isEqualTo(429);
        assertThat(messages.json().path("error").path("type").asText()).isEqualTo("rate_limit_error");
        assertThat(upstream.idle()).as("no refused request reached the upstream").isTrue();

        KeyStore.NewKey other = gateway.engine().keyStore().create("other", Optional.empty());
        gateway.engine().keys().update(other.record());
        assertThat(chat(gateway, other.key()).status).as("another key has its own tokens").isEqualTo(200);
        upstream.next();

        Thread.sleep(2_000);
        assertThat(chat(gateway, Gateway.KEY).status).as("admitted once the tokens refilled").isEqualTo(200);
    }

    // --- shared by replicas ---

    @Test
    void replicasOnOnePostgresqlDatabaseShareTheKeysBuckets() throws Exception {
        StorageConfig db = TestDatabases.fresh(TestDatabases.POSTGRES, dir);
        Gateway a = replica(db);
        Gateway b = replica(db);

        assertThat(chat(a, Gateway.KEY).status).isEqualTo(200);
        assertThat(chat(a, Gateway.KEY).status).isEqualTo(200);
        Reply refused = chat(b, Gateway.KEY);
        assertThat(refused.status).as("B has served nothing, but A used the key's 2 requests").isEqualTo(429);
        assertThat(refused.headers).containsKey("retry-after");
        assertThat(chat(a, Gateway.KEY).status).isEqualTo(429);

        // tokens: charged after the generation, in the background; then refused by both
        KeyStore.NewKey tokens = a.engine().keyStore().create("tokens", Optional.empty(),
                OptionalLong.of(0), OptionalLong.of(1));
        a.engine().keys().update(tokens.record());
        b.engine().keys().refresh();
        assertThat(chat(a, tokens.key()).status).isEqualTo(200);
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> chat(a, tokens.key()).status == 429);
        assertThat(chat(b, tokens.key()).status).as("B's first request of a key A has spent").isEqualTo(429);

        try (Connection c = DriverManager.getConnection(db.url().orElseThrow(), db.user().orElse(null),
                db.password().map(Secret::reveal).orElse(null));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT id FROM rate_limit_buckets ORDER BY id")) {
            List<String> ids = new ArrayList<>();
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
            assertThat(ids).anyMatch(id -> id.startsWith("rpm:")).anyMatch(id -> id.startsWith("tpm:"));
        }
    }

    // --- requests in flight ---

    @Test
    void aKeysStreamOverItsCapIs503WhileItsOthersStreamAndIsAdmittedOnceTheyEnd() throws Exception {
        Gateway gateway = gateway(upstream, "ANYROUTER_MAX_STREAMS_PER_KEY", "2");
        CountDownLatch release = new CountDownLatch(1);
        upstream.script(x -> {
            x.sseHead().data(role());
            if (release.await(20, TimeUnit.SECONDS)) {
                x.data(content("done")).data(finish("stop")).data("[DONE]").end();
            }
        });
        RawClient first = openStream(gateway, Gateway.KEY);
        RawClient second = openStream(gateway, Gateway.KEY);
        upstream.next();
        upstream.next();

        Reply refused = stream(gateway, Gateway.KEY);
        assertThat(refused.status).as(refused.body).isEqualTo(503);
        assertThat(refused.headers.get("retry-after")).isEqualTo("1");
        assertThat(refused.json().path("error").path("type").asText()).isEqualTo("overloaded_error");
        assertThat(refused.json().path("error").path("message").asText()).contains("2 requests in flight");
        Reply messages = post(gateway, "/api/v1/messages", MESSAGES_STREAM, "x-api-key: " + Gateway.KEY);
        assertThat(messages.status).isEqualTo(503);
        assertThat(messages.json().path("error").path("type").asText()).isEqualTo("overloaded_error");
        assertThat(chat(gateway, Gateway.KEY).status).as("a non-streamed request counts too").isEqualTo(503);
        assertThat(upstream.idle()).as("no refused request reached the upstream").isTrue();

        KeyStore.NewKey other = gateway.engine().keyStore().create("other", Optional.empty());
        gateway.engine().keys().update(other.record());
        RawClient third = openStream(gateway, other.key());
        upstream.next();

        release.countDown();
        for (RawClient client : List.of(first, second, third)) {
            assertThat(client.rest()).as("the admitted streams run to their end").endsWith("data: [DONE]\n\n");
            client.close();
        }
        awaitNoneInFlight(gateway);
        assertThat(stream(gateway, Gateway.KEY).status).as("admitted once the others ended").isEqualTo(200);
    }

    @Test
    void theGatewaysCapCountsStreamedAndNonStreamedRequestsOfEveryKey() throws Exception {
        Gateway gateway = gateway(upstream, "ANYROUTER_MAX_STREAMS", "2");
        CountDownLatch release = new CountDownLatch(1);
        upstream.script(x -> {
            boolean streamed = x.body.contains("\"stream\":true");
            if (streamed) {
                x.sseHead().data(role());
            }
            if (!release.await(20, TimeUnit.SECONDS)) {
                return;
            }
            if (streamed) {
                x.data(finish("stop")).data("[DONE]").end();
            } else {
                x.json(200, COMPLETION);
            }
        });
        KeyStore.NewKey other = gateway.engine().keyStore().create("other", Optional.empty());
        gateway.engine().keys().update(other.record());

        RawClient streaming = openStream(gateway, Gateway.KEY);
        CompletableFuture<Reply> held = CompletableFuture.supplyAsync(() -> {
            try {
                return chat(gateway, other.key());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        upstream.next();
        upstream.next();

        KeyStore.NewKey third = gateway.engine().keyStore().create("third", Optional.empty());
        gateway.engine().keys().update(third.record());
        Reply refused = stream(gateway, third.key());
        assertThat(refused.status).as(refused.body).isEqualTo(503);
        assertThat(refused.headers.get("retry-after")).isEqualTo("1");
        assertThat(refused.json().path("error").path("message").asText()).contains("the gateway has 2 requests");
        assertThat(upstream.idle()).isTrue();

        release.countDown();
        assertThat(held.get(10, TimeUnit.SECONDS).status).isEqualTo(200);
        assertThat(streaming.rest()).endsWith("data: [DONE]\n\n");
        streaming.close();
        awaitNoneInFlight(gateway);
        assertThat(stream(gateway, third.key()).status).isEqualTo(200);
    }

    @Test
    void noSlotIsLeftTakenByCancelledOrFailedRequests() throws Exception {
        Gateway gateway = gateway(upstream, "ANYROUTER_MAX_STREAMS_PER_KEY", "1", "ANYROUTER_MAX_STREAMS", "1");
        StreamCaps caps = gateway.engine().streamCaps();
        for (int i = 0; i < 6; i++) {
            boolean silent = i % 3 == 2; // the upstream has not even answered when the client leaves
            upstream.script(x -> {
                if (!silent) {
                    x.sseHead().data(role());
                }
                x.awaitClosed(30_000);
            });
            RawClient held = silent ? RawClient.connect(gateway.uri()).postJson("/api/v1/chat/completions",
                    CHAT_STREAM, "Authorization: Bearer " + Gateway.KEY) : openStream(gateway, Gateway.KEY);
            ScriptedUpstream.Exchange exchange = upstream.next();
            assertThat(stream(gateway, Gateway.KEY).status).as("the cap holds while it streams").isEqualTo(503);
            if (i % 2 == 0) {
                held.close();
            } else {
                held.reset();
            }
            exchange.awaitClosed(3_000);
            awaitNoneInFlight(gateway);
        }

        // failures: the upstream refuses (streamed and not); the request fails before reaching it (unknown provider)
        upstream.script(x -> x.json(400, "{\"error\":{\"message\":\"bad request\"}}"));
        assertThat(stream(gateway, Gateway.KEY).status).isEqualTo(400);
        assertThat(post(gateway, "/api/v1/chat/completions", CHAT_STREAM.replace("openai/gpt-4o", "nope/x"),
                "Authorization: Bearer " + Gateway.KEY).status).isEqualTo(404);
        assertThat(chat(gateway, Gateway.KEY).status).isEqualTo(400);
        awaitNoneInFlight(gateway);

        upstream.script(x -> x.sseHead().data(role()).data(finish("stop")).data("[DONE]").end());
        for (int i = 0; i < 3; i++) {
            assertThat(stream(gateway, Gateway.KEY).status).as("every slot was given back").isEqualTo(200);
        }
        awaitNoneInFlight(gateway);
        assertThat(caps.inFlight(gateway.engine().keys().find(Gateway.KEY).orElseThrow().id())).isZero();
    }

    // --- helpers ---

    private Gateway gateway(ScriptedUpstream to, String... settings) {
        Gateway gateway = Gateway.against(to.baseUri(), settings);
        gateways.add(gateway);
        return gateway;
    }

    /** A gateway on {@code db} (the simulated upstream) with 2 requests per minute per key by default. */
    private Gateway replica(StorageConfig db) {
        List<String> settings = new ArrayList<>(List.of("ANYROUTER_DB_URL", db.url().orElseThrow(),
                "ANYROUTER_KEY_RPM", "2"));
        db.user().ifPresent(user -> settings.addAll(List.of("ANYROUTER_DB_USER", user)));
        db.password().ifPresent(password -> settings.addAll(List.of("ANYROUTER_DB_PASSWORD", password.reveal())));
        Gateway gateway = Gateway.offline(settings.toArray(String[]::new));
        gateways.add(gateway);
        return gateway;
    }

    private static void awaitNoneInFlight(Gateway gateway) {
        Awaitility.await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(10))
                .until(() -> gateway.engine().streamCaps().inFlight() == 0);
    }

    /** A stream admitted and started: its status is 200 and its first event (the role) has arrived. */
    private static RawClient openStream(Gateway gateway, String key) throws IOException {
        RawClient client = RawClient.connect(gateway.uri()).postJson("/api/v1/chat/completions", CHAT_STREAM,
                "Authorization: Bearer " + key);
        assertThat(client.status).isEqualTo(200);
        assertThat(client.nextData()).contains("\"role\":\"assistant\"");
        return client;
    }

    private static Reply chat(Gateway gateway, String key) throws IOException {
        return post(gateway, "/api/v1/chat/completions", CHAT, "Authorization: Bearer " + key);
    }

    private static Reply stream(Gateway gateway, String key) throws IOException {
        return post(gateway, "/api/v1/chat/completions", CHAT_STREAM, "Authorization: Bearer " + key);
    }

    private static Reply post(Gateway gateway, String path, String body, String header) throws IOException {
        try (RawClient client = RawClient.connect(gateway.uri()).postJson(path, body, header)) {
            return new Reply(client.status, client.headers, client.rest());
        }
    }

    private static Reply admin(Gateway gateway, String method, String path, String json) throws IOException {
        try (RawClient client = RawClient.connect(gateway.uri()).send(method, path, "Bearer " + ADMIN_KEY, json)) {
            return new Reply(client.status, client.headers, client.rest());
        }
    }

    private record Reply(int status, Map<String, String> headers, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }
}
