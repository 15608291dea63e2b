package dev.anyrouter.it;

import static dev.anyrouter.it.Chunks.content;
import static dev.anyrouter.it.Chunks.finish;
import static dev.anyrouter.it.Chunks.role;
import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One client's failing requests never deny service to another: a client whose prompts the upstream answers 500, then
 * 429, gets those answers (after the gateway's own retries, marked {@code x-should-retry: false}) while another key's
 * streams to the same provider all succeed, with one endpoint and with two. Breakers only steer: a broken endpoint
 * is passed over for a healthy one once its failure rate says so, and a provider whose only endpoint is down still
 * gets every request, which fails fast with the real error instead of a synthetic 503.
 */
@Timeout(120)
class FailureIsolationIT {

    private static final String OTHER_KEY = "ar-other-tenant-key-0123456789";
    /** Breakers that open early, so that the test would see a breaker refusing if one did. */
    private static final String[] QUICK_BREAKERS = {"ANYROUTER_API_KEYS", Gateway.KEY + "," + OTHER_KEY,
        "ANYROUTER_BREAKER_MIN_REQUESTS", "4", "ANYROUTER_BREAKER_COOLDOWN_MS", "30000",
        "ANYROUTER_WATCHED_COMMIT_GRACE_MS", "5000"};

    private ScriptedUpstream a;
    private ScriptedUpstream b;
    private final AtomicInteger callsToA = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        a = new ScriptedUpstream();
        b = new ScriptedUpstream();
        a.script(x -> {
            callsToA.incrementAndGet();
            byPrompt(x);
        });
        b.script(FailureIsolationIT::byPrompt);
    }

    @AfterEach
    void stop() throws Exception {
        a.close();
        b.close();
    }

    /** A prompt with "poison" is answered 500, one with "limited" 429; any other streams a short answer. */
    private static void byPrompt(ScriptedUpstream.Exchange x) throws IOException {
        if (x.body.contains("poison")) {
            x.json(500, "{\"error\":{\"message\":\"The server had an error processing your request\","
                    + "\"type\":\"server_error\"}}");
        } else if (x.body.contains("limited")) {
            x.json(429, "{\"error\":{\"message\":\"Rate limit reached for this organization\","
                    + "\"type\":\"requests\"}}", "Retry-After: 0");
        } else {
            x.sseHead().data(role()).data(content("all")).data(content(" good")).data(finish("stop"))
                    .data("[DONE]").end();
        }
    }

    @ParameterizedTest(name = "{0} endpoint(s)")
    @ValueSource(ints = {1, 2})
    void aClientWhosePromptsFailNeverDeniesAnotherKey(int endpoints) throws Exception {
        String bases = endpoints == 1 ? a.baseUri().toString() : a.baseUri() + "," + b.baseUri();
        List<String> settings = new ArrayList<>(List.of(QUICK_BREAKERS));
        settings.addAll(List.of("OPENAI_BASE_URLS", bases, "OPENAI_API_KEYS",
                endpoints == 1 ? "sk-a" : "sk-a,sk-b"));
        AtomicBoolean badDone = new AtomicBoolean();
        Queue<String> otherFailures = new ConcurrentLinkedQueue<>();
        AtomicInteger otherServed = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (Gateway gateway = Gateway.with(settings.toArray(String[]::new))) {
            List<Future<?>> others = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                others.add(pool.submit(() -> {
                    // meanwhile, and 5 more each afterwards
                    for (int after = 0; !badDone.get() || after++ < 5; ) {
                        try (RawClient client = post(gateway, "Bearer " + OTHER_KEY, "hello")) {
                            String body = client.rest();
                            if (client.status == 200 && Chunks.withoutComments(body).contains("good")
                                    && body.contains("[DONE]")) {
                                otherServed.incrementAndGet();
                            } else {
                                otherFailures.add(client.status + " " + body);
                            }
                        }
                    }
                    return null;
                }));
            }
            try {
                for (int i = 0; i < 10; i++) {
                    try (RawClient client = post(gateway, Gateway.BEARER, "poison " + i)) {
                        assertThat(client.status).as("the upstream's 500, not an open breaker's 503").isEqualTo(502);
                        assertThat(client.headers).containsEntry("x-should-retry", "false");
                        assertThat(client.rest()).contains("failed (HTTP 500)");
                    }
                }
                for (int i = 0; i < 10; i++) {
                    try (RawClient client = post(gateway, Gateway.BEARER, "limited " + i)) {
                        assertThat(client.status).isEqualTo(429);
                        assertThat(client.headers).containsEntry("x-should-retry", "false")
                                .containsEntry("retry-after", "0");
                    }
                }
            } finally {
                badDone.set(true);
            }
            for (Future<?> other : others) {
                other.get(60, TimeUnit.SECONDS);
            }
            assertThat(otherFailures).as("the other key's streams").isEmpty();
            assertThat(otherServed.get()).isGreaterThanOrEqualTo(15);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aBrokenEndpointIsPassedOverOnceItsFailureRateSaysSoAndTheHealthyOneServes() throws Exception {
        a.script(x -> {
            callsToA.incrementAndGet();
            x.json(502, "{\"error\":{\"message\":\"bad gateway\"}}");
        });
        try (Gateway gateway = Gateway.with(concat(QUICK_BREAKERS, "OPENAI_BASE_URLS", a.baseUri() + ","
                + b.baseUri(), "OPENAI_API_KEYS", "sk-a,sk-b"))) {
            for (int i = 0; i < 30; i++) {
                try (RawClient client = post(gateway, Gateway.BEARER, "hello " + i)) {
                    assertThat(client.status).as("a try on the broken one moves to the healthy one").isEqualTo(200);
                    assertThat(Chunks.withoutComments(client.rest())).contains(" good");
                }
            }
            assertThat(callsToA.get()).as("passed over once 4 requests made its failure rate").isBetween(2, 6);
            assertThat(metrics(gateway)).contains("anyrouter_upstream_endpoints_open{provider=\"openai\"} 1.0")
                    .contains("anyrouter_upstream_breaker_opened_total{provider=\"openai\"} 1.0");
        }
    }

    @ParameterizedTest(name = "{0} endpoint(s)")
    @ValueSource(ints = {1, 2})
    void anEndpointThatRefusesConnectionsIsPassedOverOrFailsFastWithItsOwnError(int endpoints) throws Exception {
        URI dead = deadBase();
        String bases = endpoints == 1 ? dead.toString() : dead + "," + b.baseUri();
        try (Gateway gateway = Gateway.with(concat(QUICK_BREAKERS, "OPENAI_BASE_URLS", bases, "OPENAI_API_KEYS",
                endpoints == 1 ? "sk-a" : "sk-a,sk-b"))) {
            for (int i = 0; i < 16; i++) {
                long start = System.nanoTime();
                try (RawClient client = post(gateway, Gateway.BEARER, "hello " + i)) {
                    String body = client.rest();
                    if (endpoints == 2) {
                        assertThat(client.status).as(body).isEqualTo(200);
                        assertThat(Chunks.withoutComments(body)).contains(" good");
                    } else {
                        assertThat(client.status).as("tried, and its own error: " + body).isEqualTo(502);
                        assertThat(body).contains("is unreachable").doesNotContain("skipped");
                        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3000);
                    }
                }
            }
            String metrics = metrics(gateway);
            assertThat(metrics).contains("anyrouter_upstream_breaker_opened_total{provider=\"openai\"} 1.0");
            if (endpoints == 2) {
                assertThat(counter(metrics, "anyrouter_upstream_skipped_total")).as("passed over").isPositive();
                assertThat(counter(metrics, "anyrouter_upstream_all_open_total")).isZero();
            } else {
                assertThat(counter(metrics, "anyrouter_upstream_all_open_total"))
                        .as("sent although its breaker was open").isPositive();
            }
        }
    }

    @Test
    void theOfficialSdkDoesNotRetryWhatTheGatewayRetriedAlready() throws Exception {
        a.script(x -> {
            callsToA.incrementAndGet();
            byPrompt(x);
        });
        try (Gateway gateway = Gateway.against(a.baseUri())) {
            OpenAIClient sdk = OpenAIOkHttpClient.builder().apiKey(Gateway.KEY)
                    .baseUrl(gateway.uri() + "api/v1").maxRetries(2).build();
            try {
                Assertions.assertThatThrownBy(() -> sdk.chat().completions().create(ChatCompletionCreateParams
                        .builder().model("openai/gpt-4o").addUserMessage("limited").build()))
                        .isInstanceOf(RateLimitException.class);
            } finally {
                sdk.close();
            }
            assertThat(callsToA.get()).as("the gateway's 3 tries, not the SDK's 3 times the gateway's 3").isEqualTo(3);
        }
    }

    /** A base URL on which nothing listens: connections are refused. */
    private static URI deadBase() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        return URI.create("http://127.0.0.1:" + port + "/v1");
    }

    private static String[] concat(String[] first, String... more) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    private static RawClient post(Gateway gateway, String authorization, String prompt) throws IOException {
        return RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", authorization,
                "{\"model\":\"openai/gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\""
                        + prompt + "\"}]}");
    }

    private static String metrics(Gateway gateway) throws IOException {
        try (RawClient client = RawClient.connect(gateway.uri()).get("/metrics")) {
            return client.rest();
        }
    }

    private static double counter(String metrics, String name) {
        return metrics.lines().filter(line -> line.startsWith(name + "{")).findFirst()
                .map(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).orElseThrow(() ->
                        new AssertionError(name + " not in the metrics"));
    }
}
