package dev.anyrouter.it;

import static dev.anyrouter.it.Chunks.content;
import static dev.anyrouter.it.Chunks.finish;
import static dev.anyrouter.it.Chunks.role;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Several endpoints (base URL + key) for one provider, against two scripted upstreams: requests spread over them
 * with each endpoint's own key, a failing endpoint is passed over once its failure rate opens its breaker and taken
 * back after its cool-down, a provider whose endpoints are all open still gets its requests (a fallback model is
 * tried first), an endpoint that answers 429 is parked while the other serves, and neither a client's mistake nor a
 * client's cancel counts against an endpoint.
 */
class EndpointsIT {

    private static final String REQUEST = "{\"model\":\"openai/gpt-4o\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String KEY_A = "sk-endpoint-a-SECRET";
    private static final String KEY_B = "sk-endpoint-b-SECRET";

    private ScriptedUpstream a;
    private ScriptedUpstream b;
    /** The Authorization header of every request each upstream received, in order. */
    private final Queue<String> seenByA = new ConcurrentLinkedQueue<>();
    private final Queue<String> seenByB = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean aFails = new AtomicBoolean();
    private final AtomicBoolean bFails = new AtomicBoolean();

    @BeforeEach
    void start() throws Exception {
        a = new ScriptedUpstream();
        b = new ScriptedUpstream();
        a.script(x -> answer(x, seenByA, aFails, "from a"));
        b.script(x -> answer(x, seenByB, bFails, "from b"));
    }

    @AfterEach
    void stop() throws Exception {
        a.close();
        b.close();
    }

    private static void answer(ScriptedUpstream.Exchange x, Queue<String> seen, AtomicBoolean fails, String text)
            throws IOException {
        seen.add(x.headers.get("authorization"));
        if (fails.get()) {
            x.json(503, "{\"error\":{\"message\":\"overloaded\"}}");
        } else {
            x.sseHead().data(role()).data(content(text)).data(finish("stop")).data("[DONE]").end();
        }
    }

    private Gateway gateway(String... settings) {
        String[] all = new String[settings.length + 6];
        all[0] = "OPENAI_BASE_URLS";
        all[1] = a.baseUri() + "," + b.baseUri();
        all[2] = "OPENAI_API_KEYS";
        all[3] = KEY_A + "," + KEY_B;
        all[4] = "ANYROUTER_COMMIT_GRACE_MS";
        all[5] = "2000"; // failures before the first byte keep their status
        System.arraycopy(settings, 0, all, 6, settings.length);
        return Gateway.with(all);
    }

    @Test
    void spreadsRequestsOverBothEndpointsEachWithItsOwnKey() throws Exception {
        try (Gateway gateway = gateway()) {
            for (int i = 0; i < 6; i++) {
                assertThat(streamText(gateway)).doesNotContain("sk-endpoint");
            }
        }
        assertThat(seenByA).hasSize(3).containsOnly("Bearer " + KEY_A);
        assertThat(seenByB).hasSize(3).containsOnly("Bearer " + KEY_B);
    }

    @Test
    void sendsNewRequestsToTheEndpointWithFewerInFlight() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        a.script(x -> {
            seenByA.add(x.headers.get("authorization"));
            x.sseHead().data(role()).data(content("long"));
            release.await(10, TimeUnit.SECONDS);
            x.data(finish("stop")).data("[DONE]").end();
        });
        try (Gateway gateway = gateway(); RawClient longStream = post(gateway, REQUEST)) {
            assertThat(longStream.nextData()).contains("\"role\"");
            assertThat(seenByA).hasSize(1);
            for (int i = 0; i < 3; i++) {
                assertThat(streamText(gateway)).contains("from b");
                // the answered request's endpoint is given back just after its client's response ends
                await().atMost(Duration.ofSeconds(5)).until(() -> gateway.engine().runningRelays().active() == 1);
            }
            release.countDown();
            assertThat(longStream.rest()).contains("[DONE]");
        }
        assertThat(seenByA).as("a round-robin would have sent the third request to a").hasSize(1);
        assertThat(seenByB).hasSize(3);
    }

    @Test
    void skipsAFailingEndpointDuringItsCooldownAndTakesItBackAfter() throws Exception {
        aFails.set(true);
        try (Gateway gateway = gateway("ANYROUTER_BREAKER_MIN_REQUESTS", "2", "ANYROUTER_BREAKER_COOLDOWN_MS",
                "3000")) {
            long start = System.nanoTime();
            for (int i = 0; i < 8; i++) {
                assertThat(streamText(gateway)).as("a retry goes to the other endpoint").contains("from b");
            }
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(elapsed).as("all eight requests ran within the cool-down").isLessThan(3000);
            assertThat(seenByA).as("two of two requests failed: a's breaker opens; then it is passed over").hasSize(2);
            assertThat(metrics(gateway)).contains("anyrouter_upstream_endpoints_open{provider=\"openai\"} 1.0")
                    .contains("anyrouter_upstream_breaker_opened_total{provider=\"openai\"} 1.0");

            aFails.set(false);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> streamText(gateway).contains("from a"));
            assertThat(seenByA).as("the trial request after the cool-down").hasSize(3);
            assertThat(metrics(gateway)).contains("anyrouter_upstream_endpoints_open{provider=\"openai\"} 0.0");
            int before = seenByA.size();
            for (int i = 0; i < 4; i++) {
                streamText(gateway);
            }
            assertThat(seenByA.size()).as("back in the rotation").isGreaterThan(before);
        }
    }

    @Test
    void whenEveryEndpointIsOpenAFallbackModelServesAndWithoutOneTheRequestStillGoesUpstream() throws Exception {
        aFails.set(true);
        bFails.set(true);
        try (ScriptedUpstream anthropic = new ScriptedUpstream();
                Gateway gateway = gateway("ANYROUTER_BREAKER_MIN_REQUESTS", "1", "ANTHROPIC_BASE_URL",
                        anthropic.root().toString(), "ANTHROPIC_API_KEY", "sk-ant")) {
            anthropic.script(x -> x.json(200, "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
                    + "\"content\":[{\"type\":\"text\",\"text\":\"From Claude\"}],\"model\":\"claude-test\","
                    + "\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":5,\"output_tokens\":3}}"));
            try (RawClient first = post(gateway, REQUEST)) {
                assertThat(first.status).as("both endpoints' own 503").isEqualTo(503);
                assertThat(first.rest()).contains("is overloaded (HTTP 503)");
            }
            assertThat(metrics(gateway)).contains("anyrouter_upstream_endpoints_open{provider=\"openai\"} 2.0");

            try (RawClient fallback = post(gateway, "{\"model\":\"openai/gpt-4o\",\"models\":"
                    + "[\"anthropic/claude-test\"],\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")) {
                assertThat(fallback.status).isEqualTo(200);
                assertThat(fallback.rest()).contains("From Claude");
            }
            assertThat(seenByA.size() + seenByB.size()).as("3 tries; the fallback, open first, was not").isEqualTo(3);

            bFails.set(false);
            assertThat(streamText(gateway)).as("no breaker refuses: the request reaches b").contains("from b");
            assertThat(metrics(gateway)).doesNotContain("skipped after failing repeatedly")
                    .contains("anyrouter_upstream_all_open_total{provider=\"openai\"}");
        }
    }

    @Test
    void anEndpointThatAnswers429IsParkedWhileTheOtherServes() throws Exception {
        a.script(x -> {
            seenByA.add(x.headers.get("authorization"));
            x.json(429, "{\"error\":{\"message\":\"slow down\"}}", "Retry-After: 30");
        });
        try (Gateway gateway = gateway("ANYROUTER_BREAKER_MIN_REQUESTS", "1")) {
            for (int i = 0; i < 6; i++) {
                assertThat(streamText(gateway)).contains("from b");
            }
            assertThat(seenByA).as("parked for its Retry-After after its first 429").hasSize(1);
            assertThat(metrics(gateway)).contains("anyrouter_upstream_breaker_opened_total{provider=\"openai\"} 0.0")
                    .contains("anyrouter_upstream_parked_total{provider=\"openai\"} 1.0");
        }
    }

    @Test
    void neitherClientMistakesNorCancelsCountAgainstAnEndpoint() throws Exception {
        AtomicBoolean refuse = new AtomicBoolean(true);
        CountDownLatch hung = new CountDownLatch(1);
        a.script(x -> {
            seenByA.add(x.headers.get("authorization"));
            if (refuse.get()) {
                x.json(400, "{\"error\":{\"message\":\"bad temperature\"}}");
            } else if (hung.getCount() > 0) {
                hung.countDown();
                x.awaitClosed(10_000); // no answer: the client leaves first
            } else {
                x.sseHead().data(role()).data(content("from a")).data(finish("stop")).data("[DONE]").end();
            }
        });
        try (Gateway gateway = Gateway.with("OPENAI_BASE_URL", a.baseUri().toString(), "OPENAI_API_KEY", KEY_A,
                "ANYROUTER_BREAKER_MIN_REQUESTS", "1", "ANYROUTER_COMMIT_GRACE_MS", "50")) {
            for (int i = 0; i < 3; i++) { // not streamed: its status never depends on the commit grace
                try (RawClient client = post(gateway, REQUEST.replace("\"stream\":true,", ""))) {
                    assertThat(client.status).isEqualTo(400);
                }
            }
            refuse.set(false);
            try (RawClient client = post(gateway, REQUEST)) {
                assertThat(hung.await(5, TimeUnit.SECONDS)).isTrue();
                client.reset();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> gateway.engine().runningRelays().active() == 0);

            assertThat(streamText(gateway)).as("the breaker stayed closed").contains("from a");
            assertThat(metrics(gateway)).contains("anyrouter_upstream_breaker_opened_total{provider=\"openai\"} 0.0");
        }
        assertThat(seenByA).hasSize(5);
    }

    /** A whole streamed answer's text, after checking its status is 200. */
    private static String streamText(Gateway gateway) throws IOException {
        try (RawClient client = post(gateway, REQUEST)) {
            assertThat(client.status).isEqualTo(200);
            return Chunks.withoutComments(client.rest());
        }
    }

    private static String metrics(Gateway gateway) throws IOException {
        try (RawClient client = RawClient.connect(gateway.uri()).get("/metrics")) {
            return client.rest();
        }
    }

    private static RawClient post(Gateway gateway, String body) throws IOException {
        return RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER, body);
    }
}
