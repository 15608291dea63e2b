package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.accounting.TokenCounter;
import dev.anyrouter.api.spi.ClientApi;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The usage ledger for an Anthropic upstream, read back through {@code GET /api/v1/generation}: a Messages client
 * (passed through) and a chat-completions client (translated), completed and cancelled mid-stream. The upstream's
 * own numbers are billed where it gave them (the input count of {@code message_start}, the output count of
 * {@code message_delta}); the provisional output count of {@code message_start} never is: a stream cut off before
 * {@code message_delta} is billed for exactly the text the client received, counted.
 */
class MessagesLedgerIT {

    /** Costs are compared exactly: read as decimals, never through a double. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    /** anthropic/claude-test at 1 µUSD per input token and 2 µUSD per output token. */
    private static final String PRICES = "anthropic/claude-test=0.000001:0.000002";
    private static final BigDecimal PROMPT = new BigDecimal("0.000001");
    private static final BigDecimal COMPLETION = new BigDecimal("0.000002");
    /** The upstream model the route asks for (anthropic/claude-test without its provider). */
    private static final String UPSTREAM_MODEL = "claude-test";
    private static final String SERVED_MODEL = "claude-test-20250101";
    private static final long INPUT_TOKENS = 21;
    private static final long OUTPUT_TOKENS = 9;
    private static final String MESSAGES_REQUEST = "{\"model\":\"anthropic/claude-test\",\"max_tokens\":256,"
            + "\"stream\":true,\"system\":\"You tell short stories.\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Tell me a story about a lighthouse keeper\"}]}";
    private static final String CHAT_REQUEST = "{\"model\":\"anthropic/claude-test\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story about a lighthouse keeper\"}]}";
    private static final List<String> PIECES = List.of("Once", " upon a time,", " a keeper", " in Zürich",
            " named \"Ada\"", " lit the lamp 💡", " every night.");

    private ScriptedUpstream upstream;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        upstream = new ScriptedUpstream();
        gateway = Gateway.againstAnthropic(upstream.root(), "ANYROUTER_PRICES", PRICES);
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    @Test
    void aMessagesStreamCancelledMidwayIsBilledTheUpstreamsInputAndTheCountedTextReceived() throws Exception {
        upstream.script(x -> pieces(x).awaitClosed(30_000)); // it would have gone on: none of that may be billed

        RawClient client = RawClient.connect(gateway.uri()).postJson("/api/v1/messages", MESSAGES_REQUEST,
                "x-api-key: " + Gateway.KEY, "anthropic-version: 2023-06-01");
        assertThat(client.status).isEqualTo(200);
        String id = client.headers.get("x-generation-id");
        assertThat(client.nextData()).startsWith("event: message_start\n").contains("\"id\":\"" + id + "\"");
        assertThat(client.nextData()).startsWith("event: content_block_start\n");
        StringBuilder received = new StringBuilder();
        for (int i = 0; i < PIECES.size(); i++) {
            String event = client.nextData();
            assertThat(event).startsWith("event: content_block_delta\n");
            received.append(data(event).path("delta").path("text").asText());
        }
        client.close();
        upstream.next().awaitClosed(3_000);

        JsonNode row = generation(id);
        assertThat(counter().prompt(ClientApi.MESSAGES, JSON.readTree(MESSAGES_REQUEST)))
                .as("a count of the prompt would differ from the upstream's number").isNotEqualTo(INPUT_TOKENS);
        assertBilledTheInputAndTheCountedText(row, received);
        assertThat(row.path("streamed").asBoolean()).isTrue();
        assertThat(row.path("model").asText()).isEqualTo("anthropic/claude-test");
        assertThat(row.path("served_model").asText()).isEqualTo(SERVED_MODEL);
        assertThat(row.path("provider_name").asText()).isEqualTo("anthropic");
        assertThat(row.path("latency").isNumber()).isTrue();
    }

    @Test
    void aCompletedMessagesStreamIsBilledTheUpstreamsUsageAndTheClientSeesTheSameCost() throws Exception {
        upstream.script(x -> finish(pieces(x)));

        String id;
        JsonNode messageDelta = null;
        String deltaEvent = null;
        try (RawClient client = RawClient.connect(gateway.uri()).postJson("/api/v1/messages", MESSAGES_REQUEST,
                "Authorization: " + Gateway.BEARER, "anthropic-version: 2023-06-01")) {
            assertThat(client.status).isEqualTo(200);
            id = client.headers.get("x-generation-id");
            String event;
            while ((event = client.nextData()) != null) {
                if (event.startsWith("event: message_delta\n")) {
                    deltaEvent = event;
                    messageDelta = data(event);
                }
            }
        }

        JsonNode row = generation(id);
        BigDecimal cost = cost(INPUT_TOKENS, OUTPUT_TOKENS);
        assertThat(row.path("outcome").asText()).isEqualTo("completed");
        assertThat(row.path("cancelled").asBoolean()).isFalse();
        assertThat(row.path("finish_reason").asText()).isEqualTo("end_turn");
        assertThat(row.path("tokens_prompt").asLong()).isEqualTo(INPUT_TOKENS);
        assertThat(row.path("tokens_completion").asLong()).as("message_delta's output_tokens")
                .isEqualTo(OUTPUT_TOKENS).isNotEqualTo(counter().text(String.join("", PIECES)));
        assertThat(row.path("tokens_counted").asBoolean()).isFalse();
        assertThat(row.path("total_cost").decimalValue()).isEqualByComparingTo(cost);
        assertThat(messageDelta).as("the client got message_delta").isNotNull();
        assertThat(messageDelta.path("usage").path("cost").decimalValue()).as("the cost the client saw")
                .isEqualByComparingTo(row.path("total_cost").decimalValue());
        assertThat(deltaEvent).contains("\"usage\":{\"output_tokens\":" + OUTPUT_TOKENS + ",\"cost\":"
                + cost.stripTrailingZeros().toPlainString() + "}");
    }

    @Test
    void aTranslatedChatStreamCancelledMidwayIsBilledTheUpstreamsInputAndTheCountedTextReceived()
            throws Exception {
        upstream.script(x -> pieces(x).awaitClosed(30_000));

        RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER,
                CHAT_REQUEST);
        assertThat(client.status).isEqualTo(200);
        String id = client.headers.get("x-generation-id");
        assertThat(data(client.nextData()).path("choices").path(0).path("delta").path("role").asText())
                .isEqualTo("assistant");
        StringBuilder received = new StringBuilder();
        for (int i = 0; i < PIECES.size(); i++) {
            received.append(data(client.nextData()).path("choices").path(0).path("delta").path("content").asText());
        }
        client.close();
        upstream.next().awaitClosed(3_000);

        JsonNode row = generation(id);
        assertThat(counter().prompt(ClientApi.CHAT_COMPLETIONS, JSON.readTree(CHAT_REQUEST))).isNotEqualTo(INPUT_TOKENS);
        assertBilledTheInputAndTheCountedText(row, received);
    }

    @Test
    void aCompletedTranslatedChatStreamIsBilledTheUpstreamsUsageAndTheUsageChunkCarriesTheSameCost()
            throws Exception {
        upstream.script(x -> finish(pieces(x)));

        String id;
        JsonNode usage = null;
        try (RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER,
                CHAT_REQUEST.replace("\"stream\":true,", "\"stream\":true,\"stream_options\":{\"include_usage\":"
                        + "true},"))) {
            id = client.headers.get("x-generation-id");
            String event;
            while ((event = client.nextData()) != null) {
                if (!event.equals("data: [DONE]\n\n") && data(event).path("usage").isObject()) {
                    usage = data(event).path("usage");
                }
            }
        }

        JsonNode row = generation(id);
        assertThat(row.path("outcome").asText()).isEqualTo("completed");
        assertThat(row.path("finish_reason").asText()).isEqualTo("stop");
        assertThat(row.path("tokens_prompt").asLong()).isEqualTo(INPUT_TOKENS);
        assertThat(row.path("tokens_completion").asLong()).isEqualTo(OUTPUT_TOKENS);
        assertThat(row.path("tokens_counted").asBoolean()).isFalse();
        assertThat(row.path("total_cost").decimalValue()).isEqualByComparingTo(cost(INPUT_TOKENS, OUTPUT_TOKENS));
        assertThat(usage).as("the usage chunk the client asked for").isNotNull();
        assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(INPUT_TOKENS);
        assertThat(usage.path("completion_tokens").asLong()).isEqualTo(OUTPUT_TOKENS);
        assertThat(usage.path("cost").decimalValue()).isEqualByComparingTo(row.path("total_cost").decimalValue());
    }

    /** Starts the answer and sends every piece of text, as {@code message_start} and text-block events. */
    private static ScriptedUpstream.Exchange pieces(ScriptedUpstream.Exchange x) throws IOException {
        x.sseHead().event("message_start", messageStart()).event("content_block_start", textBlockStart());
        for (String piece : PIECES) {
            x.event("content_block_delta", textDelta(piece));
        }
        return x;
    }

    /** Ends the answer: the block's end, {@code message_delta} with the output tokens, {@code message_stop}. */
    private static void finish(ScriptedUpstream.Exchange x) throws IOException {
        x.event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")
                .event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                        + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + OUTPUT_TOKENS + "}}")
                .event("message_stop", "{\"type\":\"message_stop\"}").end();
    }

    /**
     * A stream cancelled after every piece reached the client: billed message_start's input count and the
     * received text, counted (never the provisional output count).
     */
    private static void assertBilledTheInputAndTheCountedText(JsonNode row, CharSequence received) {
        long completion = counter().text(received);
        assertThat(received.toString()).isEqualTo(String.join("", PIECES));
        assertThat(row.path("cancelled").asBoolean()).isTrue();
        assertThat(row.path("outcome").asText()).isEqualTo("cancelled");
        assertThat(row.path("tokens_prompt").asLong()).as("message_start's input_tokens, not a count")
                .isEqualTo(INPUT_TOKENS);
        assertThat(row.path("tokens_completion").asLong()).as("the received text counted, not the provisional 1")
                .isEqualTo(completion).isGreaterThan(PIECES.size());
        assertThat(row.path("tokens_counted").asBoolean()).isTrue();
        assertThat(row.path("total_cost").decimalValue()).isEqualByComparingTo(cost(INPUT_TOKENS, completion));
    }

    /** message_start with input_tokens 21 and Anthropic's provisional output_tokens 1. */
    private static String messageStart() {
        return "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01Upstream\",\"type\":\"message\",\"role\":"
                + "\"assistant\",\"content\":[],\"model\":\"" + SERVED_MODEL + "\",\"stop_reason\":null,"
                + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":" + INPUT_TOKENS + ",\"output_tokens\":1}}}";
    }

    private static String textBlockStart() {
        return "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}";
    }

    /** A text delta, with {@code text} escaped as JSON needs. */
    private static String textDelta(String text) {
        ObjectNode event = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
        event.putObject("delta").put("type", "text_delta").put("text", text);
        return event.toString();
    }

    /** The JSON of one received event's {@code data:} line. */
    private static JsonNode data(String event) throws IOException {
        int start = event.indexOf("data: ");
        assertThat(start).as("an event with data: " + event).isNotNegative();
        return JSON.readTree(event.substring(start + "data: ".length()).trim());
    }

    /** The generation's ledger row, as {@code GET /api/v1/generation} shows it once the relay has ended. */
    private JsonNode generation(String id) {
        gateway.generation(id);
        return Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
            try (RawClient client = RawClient.connect(gateway.uri()).send("GET", "/api/v1/generation?id=" + id,
                    Gateway.BEARER, null)) {
                String body = client.rest();
                return client.status == 200 ? JSON.readTree(body).path("data") : null;
            }
        }, Objects::nonNull);
    }

    private static TokenCounter counter() {
        return TokenCounter.forModel(UPSTREAM_MODEL);
    }

    private static BigDecimal cost(long prompt, long completion) {
        return PROMPT.multiply(BigDecimal.valueOf(prompt)).add(COMPLETION.multiply(BigDecimal.valueOf(completion)));
    }
}
