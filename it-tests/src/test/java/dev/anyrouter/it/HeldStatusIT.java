package dev.anyrouter.it;

import static dev.anyrouter.it.Chunks.content;
import static dev.anyrouter.it.Chunks.finish;
import static dev.anyrouter.it.Chunks.role;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * On the embedded server, which watches a waiting client's connection, a stream's 200 is held until the upstream's
 * first event (up to {@code ANYROUTER_WATCHED_COMMIT_GRACE_MS}), so an upstream that fails on every try keeps its
 * real status however long the tries take and however loaded the gateway is; keep-alives start only after that
 * grace; and a client that leaves while the response is held still cancels the upstream at once.
 */
@Timeout(120)
class HeldStatusIT {

    private ScriptedUpstream upstream;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        upstream = new ScriptedUpstream();
    }

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        upstream.close();
    }

    /** The product's graces: 250 ms where the client cannot be watched, {@code watched} ms where it can. */
    private Gateway gateway(String watched) {
        gateway = Gateway.against(upstream.baseUri(), "ANYROUTER_COMMIT_GRACE_MS", "250",
                "ANYROUTER_WATCHED_COMMIT_GRACE_MS", watched);
        return gateway;
    }

    @Test
    void aStreamWhoseUpstreamFailsEveryTryGetsA5xxStatusUnder100OtherStreams() throws Exception {
        upstream.script(x -> {
            if (x.body.contains("poison")) {
                x.pause(400); // longer than the plain grace: it would have committed a 200
                x.json(500, "{\"error\":{\"message\":\"internal error\",\"type\":\"server_error\"}}");
            } else {
                x.sseHead().data(role());
                for (int i = 0; i < 40; i++) {
                    x.pause(50).data(content("x"));
                }
                x.data(finish("stop")).data("[DONE]").end();
            }
        });
        gateway("5000");
        ExecutorService pool = Executors.newFixedThreadPool(100);
        try {
            CountDownLatch streaming = new CountDownLatch(100);
            List<Future<Integer>> others = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                others.add(pool.submit(() -> {
                    try (RawClient client = post("hello")) {
                        streaming.countDown();
                        client.rest();
                        return client.status;
                    }
                }));
            }
            assertThat(streaming.await(30, TimeUnit.SECONDS)).isTrue();
            long start = System.nanoTime();
            try (RawClient failing = post("poison")) {
                String body = failing.rest();
                assertThat(failing.status).as("after %d ms: %s",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), body).isEqualTo(502);
                assertThat(failing.headers).containsEntry("x-should-retry", "false");
                assertThat(body).startsWith("{\"error\"").contains("failed (HTTP 500)");
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("three tries of 400 ms")
                    .isGreaterThan(1000);
            for (Future<Integer> other : others) {
                assertThat(other.get(60, TimeUnit.SECONDS)).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theResponseIsHeldUntilTheFirstEventWithinTheWatchedGrace() throws Exception {
        upstream.script(x -> x.sseHead().pause(1500).data(role()).data(content("late")).data(finish("stop"))
                .data("[DONE]").end());
        gateway("5000");
        long start = System.nanoTime();
        try (RawClient client = post("hello")) {
            long headers = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(client.status).isEqualTo(200);
            assertThat(headers).as("no 200 before the first event").isGreaterThanOrEqualTo(1400);
            assertThat(client.nextEvent()).as("no keep-alive either").startsWith("data: ").contains("\"role\"");
            assertThat(client.rest()).contains("late").contains("[DONE]");
        }
    }

    @Test
    void keepAlivesStartAfterTheWatchedGrace() throws Exception {
        upstream.script(x -> x.sseHead().pause(1500).data(role()).data(content("late")).data(finish("stop"))
                .data("[DONE]").end());
        gateway("400");
        long start = System.nanoTime();
        try (RawClient client = post("hello")) {
            long headers = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(client.status).isEqualTo(200);
            assertThat(headers).isBetween(300L, 1400L);
            assertThat(client.nextEvent()).isEqualTo(": keep-alive\n\n");
            assertThat(Chunks.withoutComments(client.rest())).contains("late").contains("[DONE]");
        }
    }

    @Test
    void aClientThatLeavesWhileTheResponseIsHeldCancelsTheUpstreamAtOnce() throws Exception {
        upstream.script(x -> x.awaitClosed(20_000)); // never answers
        gateway("5000");
        for (boolean reset : new boolean[] {false, true}) {
            RawClient client = RawClient.connect(gateway.uri()).postOnly("/api/v1/chat/completions",
                    Gateway.BEARER, body("hello"));
            ScriptedUpstream.Exchange exchange = upstream.next();
            Thread.sleep(300);
            long left = System.nanoTime();
            if (reset) {
                client.reset();
            } else {
                client.close();
            }
            long closed = exchange.awaitClosed(5_000);
            assertThat(TimeUnit.NANOSECONDS.toMillis(closed - left)).as(reset ? "reset" : "FIN").isLessThan(1000);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> gateway.engine().runningRelays().active() == 0);
    }

    private RawClient post(String prompt) throws IOException {
        return RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER, body(prompt));
    }

    private static String body(String prompt) {
        return "{\"model\":\"openai/gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\""
                + prompt + "\"}]}";
    }
}
