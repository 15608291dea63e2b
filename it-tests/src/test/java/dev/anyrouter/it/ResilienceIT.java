package dev.anyrouter.it;

import static dev.anyrouter.it.Chunks.content;
import static dev.anyrouter.it.Chunks.finish;
import static dev.anyrouter.it.Chunks.role;
import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.accounting.GenerationRecord;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retries, fallbacks and timeouts against scripted upstreams that fail on purpose: a failure before the first
 * byte is retried with backoff within its budget, then handed to the next model of {@code models}; a stream whose
 * upstream goes silent or runs too long ends with an error and the upstream is aborted.
 */
class ResilienceIT {

    private static final String REQUEST = "{\"model\":\"openai/gpt-4o\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String OVERLOADED = "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}";

    private ScriptedUpstream upstream;

    @BeforeEach
    void start() throws Exception {
        upstream = new ScriptedUpstream();
    }

    @AfterEach
    void stop() throws Exception {
        upstream.close();
    }

    private Gateway gateway(String... settings) {
        String[] all = new String[settings.length + 4];
        all[0] = "ANYROUTER_RETRY_BACKOFF_MS";
        all[1] = "20";
        all[2] = "ANYROUTER_COMMIT_GRACE_MS";
        all[3] = "2000"; // failures before the first byte keep their status
        System.arraycopy(settings, 0, all, 4, settings.length);
        return Gateway.against(upstream.baseUri(), all);
    }

    @Test
    void retriesAnOverloadedUpstreamAndStreamsTheAnswer() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        upstream.script(x -> {
            if (tries.incrementAndGet() <= 2) {
                x.json(503, OVERLOADED, "Retry-After: 0");
            } else {
                x.sseHead().data(role()).data(content("Hello")).data(finish("stop")).data("[DONE]").end();
            }
        });

        try (Gateway gateway = gateway(); RawClient client = post(gateway, REQUEST)) {
            assertThat(client.status).isEqualTo(200);
            assertThat(Chunks.withoutComments(client.rest())).contains("\"content\":\"Hello\"")
                    .endsWith("data: [DONE]\n\n");
            assertThat(tries).hasValue(3);
            GenerationRecord record = gateway.generation(client.headers.get("x-generation-id"));
            assertThat(record.completionText()).isEqualTo("Hello");
            assertThat(metrics(gateway)).contains("anyrouter_retries_total{provider=\"openai\"} 2.0");
        }
    }

    @Test
    void givesUpAfterItsRetriesWithTheLastStatus() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        upstream.script(x -> {
            tries.incrementAndGet();
            x.json(502, OVERLOADED);
        });

        try (Gateway gateway = gateway("ANYROUTER_RETRIES", "2"); RawClient client = post(gateway, REQUEST)) {
            assertThat(client.status).isEqualTo(502);
            assertThat(client.rest()).contains("failed (HTTP 502)");
            assertThat(tries).as("one try and two retries").hasValue(3);
        }
    }

    @Test
    void neverWaitsBeyondItsRetryBudget() throws Exception { // the fixture's budget is 1 s
        AtomicInteger tries = new AtomicInteger();
        upstream.script(x -> {
            tries.incrementAndGet();
            x.json(429, "{\"error\":{\"message\":\"slow down\"}}", "Retry-After: 30");
        });

        long start = System.nanoTime();
        try (Gateway gateway = gateway(); RawClient client = post(gateway, REQUEST)) {
            assertThat(client.status).isEqualTo(429);
            assertThat(client.headers).containsEntry("retry-after", "30");
            assertThat(tries).as("a 30 s Retry-After does not fit a 1 s budget").hasValue(1);
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
    }

    @Test
    void doesNotRetryTheClientsOwnMistakes() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        upstream.script(x -> {
            tries.incrementAndGet();
            x.json(400, "{\"error\":{\"message\":\"bad temperature\"}}");
        });

        try (Gateway gateway = gateway(); RawClient client = post(gateway, REQUEST)) {
            assertThat(client.status).isEqualTo(400);
            assertThat(tries).hasValue(1);
        }
    }

    @Test
    void fallsBackToTheNextModelOnAnotherProviderAndBillsIt() throws Exception {
        try (ScriptedUpstream anthropic = new ScriptedUpstream()) {
            upstream.script(x -> x.json(500, OVERLOADED));
            anthropic.script(x -> x.sseHead()
                    .event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":"
                            + "\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-test\","
                            + "\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}")
                    .event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
                            + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
                    .event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                            + "{\"type\":\"text_delta\",\"text\":\"From Claude\"}}")
                    .event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
                            + "\"usage\":{\"output_tokens\":3}}")
                    .event("message_stop", "{\"type\":\"message_stop\"}").end());

            try (Gateway gateway = gateway("ANYROUTER_RETRIES", "0", "ANTHROPIC_BASE_URL", anthropic.root().toString(),
                    "ANTHROPIC_API_KEY", "sk-ant", "ANYROUTER_PRICES", "anthropic/claude-test=0.000001:0.000002");
                    RawClient client = post(gateway, REQUEST.replace("\"stream\":true,",
                            "\"stream\":true,\"models\":[\"anthropic/claude-test\"],"))) {
                assertThat(client.status).isEqualTo(200);
                assertThat(Chunks.withoutComments(client.rest())).contains("\"content\":\"From Claude\"")
                        .contains("\"model\":\"claude-test\"").endsWith("data: [DONE]\n\n");
                GenerationRecord record = gateway.generation(client.headers.get("x-generation-id"));
                assertThat(record.model()).as("the model that served it").isEqualTo("anthropic/claude-test");
                assertThat(record.provider()).isEqualTo("anthropic");
                assertThat(record.cost()).isEqualByComparingTo("0.000011");
                assertThat(metrics(gateway)).contains("anyrouter_fallbacks_total{provider=\"anthropic\"} 1.0");
            }
            assertThat(upstream.next().body).doesNotContain("\"models\"");
            assertThat(anthropic.next().body).as("the fallback list stays in the gateway")
                    .doesNotContain("\"models\"").contains("\"model\":\"claude-test\"");
        }
    }

    @Test
    void fallsBackWithoutRetryingWhenThePromptIsTooLongForTheModel() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        upstream.script(x -> {
            if (tries.incrementAndGet() == 1) {
                x.json(400, "{\"error\":{\"message\":\"This model's maximum context length is 8192 tokens\","
                        + "\"code\":\"context_length_exceeded\"}}");
            } else {
                x.sseHead().data(role()).data(content("long")).data(finish("stop")).data("[DONE]").end();
            }
        });

        try (Gateway gateway = gateway(); RawClient client = post(gateway, REQUEST.replace("\"stream\":true,",
                "\"stream\":true,\"models\":[\"openai/gpt-4.1\"],"))) {
            assertThat(client.status).isEqualTo(200);
            assertThat(client.rest()).contains("\"content\":\"long\"");
            assertThat(upstream.next().body).contains("\"model\":\"gpt-4o\"");
            assertThat(upstream.next().body).contains("\"model\":\"gpt-4.1\"");
            assertThat(tries).hasValue(2);
        }
    }

    @Test
    void refusesABadFallbackList() throws Exception {
        try (Gateway gateway = gateway(); RawClient client = post(gateway, REQUEST.replace("\"stream\":true,",
                "\"stream\":true,\"models\":[\"gpt-4o\"],"))) {
            assertThat(client.status).isEqualTo(400);
            assertThat(client.rest()).contains("models[0]");
        }
    }

    @Test
    void endsAStreamWhoseUpstreamFallsSilentAndAbortsIt() throws Exception {
        upstream.script(x -> x.sseHead().data(role()).data(content("Hel")).awaitClosed(30_000));

        try (Gateway gateway = gateway("ANYROUTER_IDLE_TIMEOUT_MS", "400"); RawClient client = post(gateway, REQUEST)) {
            assertThat(client.status).isEqualTo(200);
            String body = client.rest();
            assertThat(body).contains("\"content\":\"Hel\"").contains("\"code\":504")
                    .contains("sent nothing for 400 ms").contains("\"finish_reason\":\"error\"");
            upstream.next().awaitClosed(2_000);
            assertThat(gateway.generation(client.headers.get("x-generation-id")).outcome().name()).isEqualTo("FAILED");
        }
    }

    @Test
    void answers504WhenTheUpstreamIsSilentAfterItsHeaders() throws Exception {
        upstream.script(x -> x.sseHead().awaitClosed(30_000));

        try (Gateway gateway = gateway("ANYROUTER_IDLE_TIMEOUT_MS", "300"); RawClient client = post(gateway, REQUEST)) {
            assertThat(client.status).isEqualTo(504);
            assertThat(client.rest()).contains("sent nothing for 300 ms");
            upstream.next().awaitClosed(2_000);
        }
    }

    @Test
    void endsAStreamThatRunsPastItsTotalTimeAndAbortsIt() throws Exception {
        upstream.script(x -> {
            x.sseHead().data(role());
            for (int i = 0; i < 100 && !x.closed(); i++) {
                x.data(content("t" + i)).pause(50);
            }
        });

        long start = System.nanoTime();
        try (Gateway gateway = gateway("ANYROUTER_TOTAL_TIMEOUT_MS", "700"); RawClient client = post(gateway, REQUEST)) {
            String body = client.rest();
            assertThat(body).contains("\"content\":\"t0\"").contains("did not finish within 700 ms")
                    .contains("\"finish_reason\":\"error\"").doesNotContain("\"content\":\"t99\"");
            upstream.next().awaitClosed(2_000);
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(4_000);
    }

    @Test
    void boundsAWholeAnswerByTheTotalTimeout() throws Exception {
        upstream.script(x -> x.sseHead().awaitClosed(30_000)); // headers, then a body that never comes

        long start = System.nanoTime();
        try (Gateway gateway = gateway("ANYROUTER_TOTAL_TIMEOUT_MS", "500", "ANYROUTER_RETRIES", "0");
                RawClient client = post(gateway, REQUEST.replace("\"stream\":true,", ""))) {
            assertThat(client.status).isEqualTo(504);
            assertThat(client.rest()).contains("did not finish within 500 ms");
            upstream.next().awaitClosed(2_000);
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3_000);
    }

    @Test
    void answers504WhenTheUpstreamDoesNotAcceptTheConnection() throws Exception {
        // A listening socket that never accepts: once its backlog is full, the kernel leaves further connection
        // attempts unanswered, so a connect waits until its own timeout.
        try (ServerSocket deaf = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Gateway gateway = Gateway.against(URI.create("http://127.0.0.1:" + deaf.getLocalPort() + "/v1"),
                        "ANYROUTER_CONNECT_TIMEOUT_MS", "300", "ANYROUTER_RETRIES", "0",
                        "ANYROUTER_COMMIT_GRACE_MS", "2000")) {
            List<Socket> backlog = fill(deaf);
            long start = System.nanoTime();
            try (RawClient client = post(gateway, REQUEST)) {
                assertThat(client.status).isEqualTo(504);
                assertThat(client.rest()).contains("did not answer in time");
            } finally {
                for (Socket socket : backlog) {
                    socket.close();
                }
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2_000);
        }
    }

    /** Connects to {@code server} until a connection attempt goes unanswered; returns the connections made. */
    private static List<Socket> fill(ServerSocket server) throws IOException {
        List<Socket> made = new ArrayList<>();
        while (made.size() < 64) {
            Socket socket = new Socket();
            try {
                socket.connect(server.getLocalSocketAddress(), 200);
                made.add(socket);
            } catch (SocketTimeoutException full) {
                socket.close();
                return made;
            }
        }
        throw new IllegalStateException("the backlog never filled");
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
