package dev.anyrouter.it;

import static dev.anyrouter.it.Chunks.content;
import static dev.anyrouter.it.Chunks.finish;
import static dev.anyrouter.it.Chunks.role;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A committed stream holds no thread (docs/decisions/non-blocking-relay.md): open streams whose upstream is silent
 * between events leave no relay thread behind, nor do requests whose upstream has not answered yet, and a client that does not read stops the gateway reading its
 * upstream, without losing anything, instead of buffering the stream. On JDK 21+ relay threads are virtual and
 * invisible to the thread count; the first test has its teeth on JDK 17.
 */
class NoParkedThreadsIT {

    private static final int STREAMS = 200;

    private ScriptedUpstream upstream;
    private Gateway gateway;
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void start() throws Exception {
        upstream = new ScriptedUpstream();
        gateway = Gateway.against(upstream.baseUri(), "ANYROUTER_MAX_CONNECTIONS_PER_ADDRESS", "0");
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        gateway.close();
        upstream.close();
    }

    @Test
    void openStreamsBetweenEventsHoldNoRelayThread() throws Exception {
        upstream.script(x -> {
            x.sseHead().data(role());
            release.await(60, TimeUnit.SECONDS);
            x.data(content("later")).data(finish("stop")).data("[DONE]").end();
        });
        int before = relayThreads();
        List<RawClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < STREAMS; i++) {
                RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER,
                        Chunks.REQUEST);
                assertThat(client.status).isEqualTo(200);
                assertThat(client.nextData()).contains("\"role\"");
                clients.add(client);
            }
            // Every stream is open and between events: at most the few relay threads still winding down.
            await().atMost(Duration.ofSeconds(10)).until(() -> relayThreads() - before < 20);
            release.countDown();
            for (RawClient client : clients) {
                assertThat(client.rest()).contains("later").endsWith("data: [DONE]\n\n");
            }
        } finally {
            for (RawClient client : clients) {
                client.close();
            }
        }
    }

    /**
     * Requests whose upstream has not answered hold no relay thread either (docs/decisions/held-response.md): streams
     * waiting for their upstream's headers or for its first event after them, and JSON answers waiting for their
     * upstream. On JDK 17 each held a platform thread until its upstream answered.
     */
    @Test
    void requestsWaitingForTheirUpstreamHoldNoRelayThread() throws Exception {
        AtomicInteger exchanges = new AtomicInteger();
        upstream.script(x -> {
            boolean stream = x.body.contains("\"stream\":true");
            boolean headersFirst = exchanges.getAndIncrement() % 2 == 0;
            if (stream && headersFirst) {
                x.sseHead();
            }
            release.await(60, TimeUnit.SECONDS);
            if (!stream) {
                x.json(200, "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-4o\",\"choices\":["
                        + "{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"later\"},"
                        + "\"finish_reason\":\"stop\"}]}");
                return;
            }
            if (!headersFirst) {
                x.sseHead();
            }
            x.data(role()).data(content("later")).data(finish("stop")).data("[DONE]").end();
        });
        int before = relayThreads();
        List<RawClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < STREAMS; i++) {
                String request = i % 4 == 3 ? Chunks.REQUEST.replace("\"stream\":true", "\"stream\":false")
                        : Chunks.REQUEST;
                clients.add(RawClient.connect(gateway.uri()).postOnly("/api/v1/chat/completions", Gateway.BEARER,
                        request));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> upstream.openExchanges() == STREAMS);
            // Every request waits for its upstream: at most the few relay threads still winding down.
            await().atMost(Duration.ofSeconds(10)).until(() -> relayThreads() - before < 20);
            release.countDown();
            for (RawClient client : clients) {
                client.response();
                assertThat(client.status).isEqualTo(200);
                assertThat(client.rest()).contains("later");
            }
        } finally {
            for (RawClient client : clients) {
                client.close();
            }
        }
    }

    @Test
    void moreStreamsStayOpenThanThereAreRelayThreads() throws Exception {
        upstream.script(x -> {
            x.sseHead().data(role());
            release.await(60, TimeUnit.SECONDS);
            x.data(content("later")).data(finish("stop")).data("[DONE]").end();
        });
        List<RawClient> clients = new ArrayList<>();
        try (Gateway few = Gateway.against(upstream.baseUri(), "ANYROUTER_RELAY_THREADS", "5",
                "ANYROUTER_MAX_CONNECTIONS_PER_ADDRESS", "0")) {
            // One at a time: each has its first event, and so has let its relay thread go, before the next opens.
            for (int i = 0; i < 50; i++) {
                RawClient client = RawClient.connect(few.uri()).post("/api/v1/chat/completions", Gateway.BEARER,
                        Chunks.REQUEST);
                clients.add(client);
                assertThat(client.status).as("stream %d of 50 over 5 relay threads", i + 1).isEqualTo(200);
                assertThat(client.nextData()).contains("\"role\"");
            }
            release.countDown();
            for (RawClient client : clients) {
                assertThat(client.rest()).contains("later").endsWith("data: [DONE]\n\n");
            }
        } finally {
            for (RawClient client : clients) {
                client.close();
            }
        }
    }

    @Test
    void aClientThatDoesNotReadStopsTheUpstreamReadAndLosesNothing() throws Exception {
        // More than the sockets can buffer: the client's takes little, the gateway's from its upstream grows to
        // 32 MB here.
        int events = 15_000;
        String text = "x".repeat(4000);
        AtomicLong written = new AtomicLong();
        upstream.script(x -> {
            x.sseHead().data(role());
            for (int i = 0; i < events; i++) {
                x.data(content(text));
                written.incrementAndGet();
            }
            x.data(finish("stop")).data("[DONE]").end();
        });
        try (RawClient client = RawClient.connect(gateway.uri(), 64 << 10).post("/api/v1/chat/completions",
                Gateway.BEARER, Chunks.REQUEST)) {
            assertThat(client.status).isEqualTo(200);
            // The client reads nothing more: the upstream's writes stall once the sockets' buffers are full.
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> {
                long now = written.get();
                Thread.sleep(500);
                return written.get() == now;
            });
            assertThat(written.get()).as("events the upstream could write while the client read nothing")
                    .isLessThan(events * 3L / 4);
            int received = 0;
            String event;
            while (!(event = client.nextData()).startsWith("data: [DONE]")) {
                if (event.contains(text)) {
                    received++;
                }
            }
            assertThat(received).isEqualTo(events);
        }
    }

    private static int relayThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("anyrouter-relay")).count();
    }
}
