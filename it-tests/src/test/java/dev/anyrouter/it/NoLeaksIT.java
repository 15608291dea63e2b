package dev.anyrouter.it;

import static dev.anyrouter.it.Chunks.content;
import static dev.anyrouter.it.Chunks.finish;
import static dev.anyrouter.it.Chunks.role;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.anyrouter.accounting.Generation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * After hundreds of completed, cancelled and failed streams — half of them Messages API streams translated to
 * the OpenAI-compatible upstream — nothing the gateway opened is left open; and an open stream does not hold its
 * request's prompt.
 */
class NoLeaksIT {

    private static final int STREAMS = 300;

    private enum Kind { COMPLETE, CANCEL, CANCEL_SILENT, DROP, REJECT }

    @Test
    void leavesNoConnectionThreadOrRelayOpenAfterMixedStreams() throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream();
                // Breakers off: a fifth of these requests fail every try, which rightly opens the upstream's
                // breaker (EndpointsIT covers that); this test is about what is left behind.
                Gateway gateway = Gateway.against(upstream.baseUri(), "ANYROUTER_BREAKER_FAILURE_RATE", "0")) {
            upstream.script(x -> {
                switch (Kind.valueOf(x.body.replaceAll(".*\"content\":\"(\\w+)\".*", "$1"))) {
                    case COMPLETE -> x.sseHead().data(role()).data(content("a")).data(content("b"))
                            .data(finish("stop")).data("[DONE]").end();
                    case CANCEL -> x.streamUntilClosed(2_000, 5, i -> content("t" + i));
                    case CANCEL_SILENT -> x.sseHead().awaitClosed(10_000);
                    case DROP -> {
                        x.sseHead().data(role()).data(content("a"));
                        x.reset();
                    }
                    case REJECT -> x.json(500, "{\"error\":{\"message\":\"down\"}}");
                }
            });
            ExecutorService clients = Executors.newFixedThreadPool(24);
            List<Future<String>> ids = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                Kind kind = Kind.values()[i % Kind.values().length];
                boolean messagesApi = i % 2 == 1;
                ids.add(clients.submit(() -> run(gateway, kind, messagesApi)));
            }
            Map<Generation.Outcome, Integer> outcomes = new EnumMap<>(Generation.Outcome.class);
            for (Future<String> id : ids) {
                outcomes.merge(gateway.generation(id.get()).outcome(), 1, Integer::sum);
            }
            clients.shutdown();

            int each = STREAMS / Kind.values().length;
            assertThat(outcomes).containsEntry(Generation.Outcome.COMPLETED, each)
                    .containsEntry(Generation.Outcome.CANCELLED, 2 * each)
                    .containsEntry(Generation.Outcome.FAILED, 2 * each);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(gateway.engine().runningRelays().active()).as("relays running").isZero();
                assertThat(upstream.openExchanges()).as("upstream exchanges not closed").isZero();
                assertThat(upstream.idleConnections()).as("spare pooled upstream connections").isLessThanOrEqualTo(2);
                assertThat(gateway.openConnections()).as("client connections open").isZero();
                assertThat(threadsInsideTheGateway()).as("threads still in gateway code").isEmpty();
            });

            gateway.close();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(upstream.idleConnections())
                    .as("upstream connections left after the gateway stopped").isZero());
        }
    }

    @Test
    void anOpenStreamDoesNotHoldItsPrompt() throws Exception {
        int streams = 16;
        String prompt = "word ".repeat(400_000); // 2 MB
        CountDownLatch release = new CountDownLatch(1);
        List<RawClient> clients = new ArrayList<>();
        try (ScriptedUpstream upstream = new ScriptedUpstream();
                Gateway gateway = Gateway.against(upstream.baseUri())) {
            upstream.script(x -> {
                x.sseHead().data(role());
                release.await(60, TimeUnit.SECONDS);
                x.data(content("a")).data(finish("stop")).data("[DONE]").end();
            });
            long before = usedHeap();
            for (int i = 0; i < streams; i++) {
                RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions",
                        Gateway.BEARER, "{\"model\":\"openai/gpt-4o\",\"stream\":true,\"messages\":[{\"role\":"
                                + "\"user\",\"content\":\"" + prompt + "\"}]}");
                clients.add(client);
                assertThat(client.status).isEqualTo(200);
                assertThat(client.nextData()).contains("\"role\"");
            }
            // Its prompt tokens are counted once the generation is recorded, and then the prompt is let go.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    (usedHeap() - before) / streams).as("heap held per open stream, in bytes").isLessThan(
                            prompt.length() * 7L / 4));
            // The scripted upstream keeps each request it read (one prompt per stream, as a String of Latin-1
            // bytes); the gateway held its bytes, its parsed tree and each target's body on top of that.
            release.countDown();
            for (RawClient client : clients) {
                assertThat(client.rest()).endsWith("data: [DONE]\n\n");
            }
        } finally {
            release.countDown();
            for (RawClient client : clients) {
                client.close();
            }
        }
    }

    private static long usedHeap() {
        System.gc();
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }

    private static String run(Gateway gateway, Kind kind, boolean messagesApi) throws Exception {
        String message = "\"messages\":[{\"role\":\"user\",\"content\":\"" + kind + "\"}]}";
        RawClient client = messagesApi
                ? RawClient.connect(gateway.uri()).post("/api/v1/messages", Gateway.BEARER,
                        "{\"model\":\"openai/gpt-4o\",\"stream\":true,\"max_tokens\":50," + message)
                : RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER,
                        "{\"model\":\"openai/gpt-4o\",\"stream\":true," + message);
        try {
            String id = client.headers.get("x-generation-id");
            switch (kind) {
                case CANCEL -> {
                    for (int i = 0; i < 3; i++) {
                        client.nextData();
                    }
                    client.reset();
                }
                case CANCEL_SILENT -> client.reset();
                default -> client.rest();
            }
            return id;
        } finally {
            client.close();
        }
    }

    /** Platform threads whose stack is in AnyRouter's relay or upstream code (virtual ones end with their task). */
    private static List<String> threadsInsideTheGateway() {
        List<String> inside = new ArrayList<>();
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            if (Arrays.stream(stack).anyMatch(frame -> frame.getClassName().startsWith("dev.anyrouter.relay")
                    || frame.getClassName().startsWith("dev.anyrouter.upstream"))) {
                inside.add(thread.getName());
            }
        });
        return inside;
    }
}
