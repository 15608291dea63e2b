package dev.anyrouter.it;

import static dev.anyrouter.it.Chunks.content;
import static dev.anyrouter.it.Chunks.finish;
import static dev.anyrouter.it.Chunks.role;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyrouter.accounting.TokenCounter;
import dev.anyrouter.api.spi.ClientApi;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The usage ledger, read back through {@code GET /api/v1/generation}, for every way a stream can end: exactly
 * what the client received is billed, at the model's price, with the upstream's own numbers where it gave them.
 */
class LedgerIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** openai/gpt-4o at 1 µUSD per prompt token and 2 µUSD per completion token. */
    private static final BigDecimal PROMPT = new BigDecimal("0.000001");
    private static final BigDecimal COMPLETION = new BigDecimal("0.000002");
    private static final String REQUEST = "{\"model\":\"openai/gpt-4o\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story about a lighthouse keeper\"}]}";
    private static final String USAGE = "{\"id\":\"chatcmpl-up\",\"object\":\"chat.completion.chunk\",\"created\":"
            + "1700000000,\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,"
            + "\"total_tokens\":11}}";

    private ScriptedUpstream upstream;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        upstream = new ScriptedUpstream();
        gateway = Gateway.against(upstream.baseUri(), "ANYROUTER_PRICES", "openai/gpt-4o=0.000001:0.000002");
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    @Test
    void aCompletedStreamIsBilledWithTheUpstreamsUsageAndTheClientSeesTheSameCost() throws Exception {
        upstream.script(x -> x.sseHead().data(role()).data(content("Hello")).data(content(" world"))
                .data(finish("stop")).data(USAGE).data("[DONE]").end());

        String id;
        String body;
        try (RawClient client = post(REQUEST.replace("\"stream\":true,",
                "\"stream\":true,\"stream_options\":{\"include_usage\":true},"))) {
            id = client.headers.get("x-generation-id");
            body = client.rest();
        }

        JsonNode row = generation(id);
        assertThat(row.path("cancelled").asBoolean()).isFalse();
        assertThat(row.path("streamed").asBoolean()).isTrue();
        assertThat(row.path("outcome").asText()).isEqualTo("completed");
        assertThat(row.path("finish_reason").asText()).isEqualTo("stop");
        assertThat(row.path("tokens_prompt").asLong()).isEqualTo(9);
        assertThat(row.path("tokens_completion").asLong()).isEqualTo(2);
        assertThat(row.path("tokens_counted").asBoolean()).isFalse();
        assertThat(row.path("total_cost").decimalValue()).isEqualByComparingTo("0.000013");
        assertThat(row.path("model").asText()).isEqualTo("openai/gpt-4o");
        assertThat(row.path("provider_name").asText()).isEqualTo("openai");
        assertThat(row.path("latency").isNumber()).isTrue();
        assertThat(row.path("generation_time").asLong()).isGreaterThanOrEqualTo(row.path("latency").asLong());
        assertThat(body).as("the usage chunk the client asked for carries the same cost")
                .contains("\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11,"
                        + "\"cost\":0.000013}");
    }

    @Test
    void aClientThatDidNotAskForUsageGetsNoUsageChunkButIsStillBilledExactly() throws Exception {
        upstream.script(x -> x.sseHead().data(role()).data(content("Hello")).data(finish("stop")).data(USAGE)
                .data("[DONE]").end());

        String id;
        String body;
        try (RawClient client = post(REQUEST)) {
            id = client.headers.get("x-generation-id");
            body = Chunks.withoutComments(client.rest());
        }

        assertThat(body).doesNotContain("\"choices\":[]").doesNotContain("usage").endsWith("data: [DONE]\n\n");
        assertThat(upstream.next().body).as("the upstream is asked for usage anyway")
                .contains("\"stream_options\":{\"include_usage\":true}");
        JsonNode row = generation(id);
        assertThat(row.path("tokens_counted").asBoolean()).isFalse();
        assertThat(row.path("total_cost").decimalValue()).isEqualByComparingTo("0.000013");
    }

    @Test
    void aStreamCancelledBeforeItsFirstTokenIsBilledItsPromptOnly() throws Exception {
        upstream.script(x -> x.sseHead().awaitClosed(30_000));

        JsonNode row = rowOfStreamCancelledWhileUpstreamWaits();
        long prompt = counter().prompt(ClientApi.CHAT_COMPLETIONS, JSON.readTree(REQUEST));
        assertThat(row.path("cancelled").asBoolean()).isTrue();
        assertThat(row.path("outcome").asText()).isEqualTo("cancelled");
        assertThat(row.path("finish_reason").isNull()).isTrue();
        assertThat(row.path("latency").isNull()).as("no token ever reached the client").isTrue();
        assertThat(row.path("tokens_completion").asLong()).isZero();
        assertThat(row.path("tokens_prompt").asLong()).isEqualTo(prompt).isPositive();
        assertThat(row.path("tokens_counted").asBoolean()).isTrue();
        assertThat(row.path("total_cost").decimalValue()).isEqualByComparingTo(cost(prompt, 0));
    }

    @Test
    void aStreamCancelledBeforeTheUpstreamAnsweredIsBilledItsPromptOnceTheUpstreamHadIt() throws Exception {
        upstream.script(x -> x.awaitClosed(30_000)); // no answer at all: the model is still reading the prompt

        JsonNode row = rowOfStreamCancelledWhileUpstreamWaits();
        long prompt = counter().prompt(ClientApi.CHAT_COMPLETIONS, JSON.readTree(REQUEST));
        assertThat(row.path("outcome").asText()).isEqualTo("cancelled");
        assertThat(row.path("tokens_prompt").asLong()).isEqualTo(prompt).isPositive();
        assertThat(row.path("tokens_completion").asLong()).isZero();
        assertThat(row.path("total_cost").decimalValue()).isEqualByComparingTo(cost(prompt, 0));
    }

    /** Starts a stream, hangs up once the upstream has it, and returns its ledger row. */
    private JsonNode rowOfStreamCancelledWhileUpstreamWaits() throws Exception {
        RawClient client = post(REQUEST);
        String id = client.headers.get("x-generation-id");
        ScriptedUpstream.Exchange exchange = upstream.next();
        client.close();
        exchange.awaitClosed(3_000);
        return generation(id);
    }

    @Test
    void aStreamCancelledMidwayIsBilledForExactlyTheTextTheClientReceived() throws Exception {
        String[] pieces = {"Once", " upon", " a time,", " a keeper", " named", " Ada", " lit the lamp."};
        upstream.script(x -> {
            x.sseHead().data(role());
            for (String piece : pieces) {
                x.data(content(piece));
            }
            x.awaitClosed(30_000); // it would have gone on: none of that may be billed
        });

        RawClient client = post(REQUEST);
        String id = client.headers.get("x-generation-id");
        StringBuilder received = new StringBuilder();
        client.nextData(); // the role
        for (int i = 0; i < pieces.length; i++) {
            JsonNode chunk = JSON.readTree(client.nextData().substring("data: ".length()).trim());
            received.append(chunk.path("choices").path(0).path("delta").path("content").asText());
        }
        client.close();
        upstream.next().awaitClosed(3_000);

        JsonNode row = generation(id);
        long completion = counter().text(received);
        long prompt = counter().prompt(ClientApi.CHAT_COMPLETIONS, JSON.readTree(REQUEST));
        assertThat(received.toString()).isEqualTo(String.join("", pieces));
        assertThat(row.path("cancelled").asBoolean()).isTrue();
        assertThat(row.path("tokens_completion").asLong()).isEqualTo(completion).isGreaterThan(pieces.length - 1);
        assertThat(row.path("tokens_prompt").asLong()).isEqualTo(prompt);
        assertThat(row.path("total_cost").decimalValue()).isEqualByComparingTo(cost(prompt, completion));
        assertThat(row.path("latency").isNumber()).isTrue();
    }

    @Test
    void anUpstreamThatFailsBeforeAnsweringCostsNothing() throws Exception {
        upstream.script(x -> x.json(500, "{\"error\":{\"message\":\"internal\",\"type\":\"server_error\"}}"));

        String id;
        try (RawClient client = post(REQUEST.replace("\"stream\":true,", ""))) {
            assertThat(client.status).isEqualTo(502);
            id = client.headers.get("x-generation-id");
            client.rest();
        }

        JsonNode row = generation(id);
        assertThat(row.path("outcome").asText()).isEqualTo("failed");
        assertThat(row.path("cancelled").asBoolean()).isFalse();
        assertThat(row.path("tokens_prompt").asLong()).isZero();
        assertThat(row.path("tokens_completion").asLong()).isZero();
        assertThat(row.path("total_cost").decimalValue()).isEqualByComparingTo("0");
        assertThat(row.path("error").asText()).contains("500");
    }

    @Test
    void aStreamThatFailsMidwayIsBilledForWhatWasDelivered() throws Exception {
        upstream.script(x -> x.sseHead().data(role()).data(content("The answer is"))
                .data("{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}").end());

        String id;
        try (RawClient client = post(REQUEST)) {
            id = client.headers.get("x-generation-id");
            assertThat(client.rest()).contains("\"finish_reason\":\"error\"");
        }

        JsonNode row = generation(id);
        long completion = counter().text("The answer is");
        long prompt = counter().prompt(ClientApi.CHAT_COMPLETIONS, JSON.readTree(REQUEST));
        assertThat(row.path("outcome").asText()).isEqualTo("failed");
        assertThat(row.path("tokens_completion").asLong()).isEqualTo(completion);
        assertThat(row.path("tokens_prompt").asLong()).isEqualTo(prompt);
        assertThat(row.path("total_cost").decimalValue()).isEqualByComparingTo(cost(prompt, completion));
    }

    @Test
    void aGenerationIsVisibleOnlyToTheKeyThatMadeIt() throws Exception {
        upstream.script(x -> x.sseHead().data(role()).data(finish("stop")).data("[DONE]").end());
        String id;
        try (RawClient client = post(REQUEST)) {
            id = client.headers.get("x-generation-id");
            client.rest();
        }
        generation(id);
        String other = createKey(null);

        try (RawClient client = RawClient.connect(gateway.uri()).send("GET", "/api/v1/generation?id=" + id,
                "Bearer " + other, null)) {
            assertThat(client.status).isEqualTo(404);
            assertThat(client.rest()).contains("no generation");
        }
        try (RawClient client = RawClient.connect(gateway.uri()).send("GET", "/api/v1/generation", Gateway.BEARER,
                null)) {
            assertThat(client.status).isEqualTo(400);
        }
    }

    private String createKey(String limit) throws IOException {
        String key = gateway.engine().keyStore().create("other", limit == null ? java.util.Optional.empty()
                : java.util.Optional.of(new BigDecimal(limit))).key();
        gateway.engine().keys().refresh();
        return key;
    }

    private RawClient post(String body) throws IOException {
        return RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER, body);
    }

    /** The generation's ledger row, as {@code GET /api/v1/generation} shows it once the relay has ended. */
    private JsonNode generation(String id) {
        gateway.generation(id);
        return Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
            try (RawClient client = RawClient.connect(gateway.uri()).send("GET", "/api/v1/generation?id=" + id,
                    Gateway.BEARER, null)) {
                return client.status == 200 ? JSON.readTree(client.rest()).path("data") : null;
            }
        }, java.util.Objects::nonNull);
    }

    private static TokenCounter counter() {
        return TokenCounter.forModel("gpt-4o");
    }

    private static BigDecimal cost(long prompt, long completion) {
        return PROMPT.multiply(BigDecimal.valueOf(prompt)).add(COMPLETION.multiply(BigDecimal.valueOf(completion)));
    }
}
