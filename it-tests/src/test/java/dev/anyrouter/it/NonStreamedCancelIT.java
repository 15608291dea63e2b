package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyrouter.accounting.GenerationRecord;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A non-streamed request whose client leaves while the upstream has not answered yet: the embedded server notices
 * the closed connection although nothing is being written, aborts the upstream call, bills the generation as a
 * cancelled one, ends the request and gives its slot back. And the watch on the connection leaves it usable for
 * the next request.
 */
class NonStreamedCancelIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REQUEST = "{\"model\":\"openai/gpt-4o\","
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story about a lighthouse keeper\"}]}";
    private static final String ANSWER = "{\"id\":\"chatcmpl-up\",\"object\":\"chat.completion\","
            + "\"created\":1700000000,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
            + "\"assistant\",\"content\":\"Hello\"},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}";

    /** Jersey's loggers; held here, as a logger nobody references may be collected with its handlers. */
    private static final Logger JERSEY = Logger.getLogger("org.glassfish.jersey");

    private final BlockingQueue<GenerationRecord> generations = new LinkedBlockingQueue<>();
    private final List<LogRecord> jerseyProblems = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                jerseyProblems.add(record);
            }
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
    void start() throws IOException {
        JERSEY.addHandler(capture);
        upstream = new ScriptedUpstream();
        gateway = Gateway.against(upstream.baseUri(), "ANYROUTER_PRICES", "openai/gpt-4o=0.000001:0.000002",
                "ANYROUTER_MAX_STREAMS_PER_KEY", "1", "ANYROUTER_MAX_STREAMS", "1");
        gateway.engine().onGeneration(generations::add);
    }

    @AfterEach
    void stop() throws IOException {
        gateway.close();
        upstream.close();
        JERSEY.removeHandler(capture);
    }

    @Test
    void aClientThatHangsUpWithAFinCancelsTheUpstreamCallBeforeItAnswered() throws Exception {
        hangUpWhileTheUpstreamHoldsItsAnswer(false);
    }

    @Test
    void aClientThatResetsItsConnectionCancelsTheUpstreamCallBeforeItAnswered() throws Exception {
        hangUpWhileTheUpstreamHoldsItsAnswer(true);
    }

    private void hangUpWhileTheUpstreamHoldsItsAnswer(boolean reset) throws Exception {
        upstream.script(x -> x.awaitClosed(30_000));
        RawClient client = RawClient.connect(gateway.uri()).postOnly("/api/v1/chat/completions", Gateway.BEARER,
                REQUEST);
        ScriptedUpstream.Exchange held = upstream.next();
        if (reset) {
            client.reset();
        } else {
            client.close();
        }
        held.awaitClosed(2_000);

        GenerationRecord record = generations.poll(5, TimeUnit.SECONDS);
        assertThat(record).isNotNull();
        assertThat(record.streamed()).isFalse();
        JsonNode row = ledgerRow(record.id());
        assertThat(row.path("outcome").asText()).isEqualTo("cancelled");
        assertThat(row.path("cancelled").asBoolean()).isTrue();
        assertThat(row.path("tokens_prompt").asLong()).as("the upstream had the prompt: it is billed").isPositive();
        assertThat(row.path("tokens_completion").asLong()).isZero();
        assertThat(row.path("total_cost").decimalValue()).isEqualByComparingTo(BigDecimal.valueOf(
                row.path("tokens_prompt").asLong()).multiply(new BigDecimal("0.000001")));
        // The container ended the request, which counts it: its response was once left open until shutdown.
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> gateway.engine().metrics().scrape().contains("anyrouter_requests_total{api=\"chat\""));
        admitsTheNextRequest();
        // The relay's answer, given after the container ended the request, is dropped: Jersey once resumed the
        // request inside the container's recycled one and logged the failure.
        assertThat(jerseyProblems).extracting(LogRecord::getMessage).isEmpty();
    }

    @Test
    void theWatchedConnectionCarriesTheNextRequestAfterItsAnswer() throws Exception {
        CountDownLatch answer = new CountDownLatch(1);
        try (RawClient client = waiting(answer)) {
            answer.countDown();
            assertAnswered(client.response());
            assertThat(client.headers.get("connection")).isNull();

            assertAnswered(client.post("/api/v1/chat/completions", Gateway.BEARER, REQUEST));
        }
        assertThat(generations.poll(5, TimeUnit.SECONDS).outcome().name()).isEqualTo("COMPLETED");
    }

    @Test
    void aRequestSentBeforeTheAnswerIsAnsweredOrTheConnectionClosesAfterTheFirstAnswer() throws Exception {
        CountDownLatch answer = new CountDownLatch(1);
        try (RawClient client = waiting(answer)) {
            client.postOnly("/api/v1/chat/completions", Gateway.BEARER, REQUEST); // pipelined: HTTP/1.1 allows it
            // A round trip through the server, so that the watch has most likely read the pipelined bytes.
            try (RawClient health = RawClient.connect(gateway.uri()).get("/health")) {
                assertThat(health.status).isEqualTo(200);
            }
            answer.countDown();
            assertAnswered(client.response());
            if ("close".equals(client.headers.get("connection"))) {
                // the watch read the second request's first bytes: it cannot be served, and is not half-served
                assertThat(client.closedByServer()).isTrue();
            } else {
                assertAnswered(client.response()); // Jetty read the second request itself
            }
        }
        assertThat(generations.poll(5, TimeUnit.SECONDS).outcome().name()).isEqualTo("COMPLETED");
    }

    /** A client whose non-streamed request is waiting for the upstream, which answers once {@code answer} opens. */
    private RawClient waiting(CountDownLatch answer) throws Exception {
        upstream.script(x -> {
            if (answer.await(10, TimeUnit.SECONDS)) {
                x.json(200, ANSWER);
            }
        });
        RawClient client = RawClient.connect(gateway.uri());
        client.postOnly("/api/v1/chat/completions", Gateway.BEARER, REQUEST);
        upstream.next();
        return client;
    }

    private static void assertAnswered(RawClient client) throws IOException {
        assertThat(client.status).isEqualTo(200);
        assertThat(client.rest()).contains("Hello");
    }

    /** The cancelled request's slot is free: with a cap of 1, the next request is admitted. */
    private void admitsTheNextRequest() throws Exception {
        Awaitility.await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10))
                .until(() -> gateway.engine().streamCaps().inFlight() == 0);
        upstream.script(x -> x.json(200, ANSWER));
        try (RawClient next = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER,
                REQUEST)) {
            assertAnswered(next);
        }
    }

    /** The generation's ledger row, as {@code GET /api/v1/generation} shows it. */
    private JsonNode ledgerRow(String id) {
        return Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
            try (RawClient client = RawClient.connect(gateway.uri()).send("GET", "/api/v1/generation?id=" + id,
                    Gateway.BEARER, null)) {
                return client.status == 200 ? JSON.readTree(client.rest()).path("data") : null;
            }
        }, Objects::nonNull);
    }
}
