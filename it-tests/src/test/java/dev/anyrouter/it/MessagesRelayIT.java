package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationRecord;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Messages API passed through from a scripted Anthropic upstream to a raw-socket client: exact bytes, what the
 * upstream receives, cancellation, and every way the upstream can fail (docs/wire-format.md sections 3 and 5).
 */
class MessagesRelayIT {

    private static final String UPSTREAM_ID = "msg_01UpstreamXyz";
    private static final String REQUEST = "{\"model\":\"anthropic/claude-test\",\"max_tokens\":64,\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather and time in Paris?\"}]}";

    private ScriptedUpstream upstream;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        upstream = new ScriptedUpstream();
        // Failures before the first byte keep their status however long the retries take on a loaded machine.
        gateway = Gateway.againstAnthropic(upstream.root(), "ANYROUTER_PRICES", PRICE, "ANYROUTER_COMMIT_GRACE_MS",
                "2000");
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    private RawClient post(String body) throws Exception {
        return post(gateway, body);
    }

    private static RawClient post(Gateway gateway, String body) throws Exception {
        return RawClient.connect(gateway.uri()).postJson("/api/v1/messages", body, "x-api-key: " + Gateway.KEY,
                "anthropic-version: 2023-06-01");
    }

    /** One event as Anthropic frames it, and as the client must receive it. */
    private record Event(String name, String data) {

        String wire() {
            return "event: " + name + "\ndata: " + data + "\n\n";
        }

        /**
         * As relayed: the gateway's generation id in place of the upstream's message id, and the cost in the
         * usage of {@code message_delta} (15 input tokens from {@link #messageStart()}, at {@link #PRICE}).
         */
        String relayed(String generationId) {
            String relayed = wire().replace("\"" + UPSTREAM_ID + "\"", "\"" + generationId + "\"");
            Matcher output = Pattern.compile("\"output_tokens\":(\\d+)}}").matcher(relayed);
            if (name.equals("message_delta") && output.find()) {
                return relayed.replace(output.group(), "\"output_tokens\":" + output.group(1) + ",\"cost\":"
                        + cost(15, Long.parseLong(output.group(1))) + "}}");
            }
            return relayed;
        }
    }

    /** What {@code anthropic/claude-test} costs in this test: 1 µUSD per input token, 2 per output token. */
    private static final String PRICE = "anthropic/claude-test=0.000001:0.000002";

    private static String cost(long input, long output) {
        return new BigDecimal("0.000001").multiply(BigDecimal.valueOf(input))
                .add(new BigDecimal("0.000002").multiply(BigDecimal.valueOf(output))).stripTrailingZeros()
                .toPlainString();
    }

    private static Event messageStart() {
        return new Event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"" + UPSTREAM_ID
                + "\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-test\","
                + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,"
                + "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":3,\"output_tokens\":1}}}");
    }

    private static Event textStart(int index) {
        return new Event("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + index
                + ",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
    }

    private static Event toolStart(int index, String id, String name) {
        return new Event("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + index
                + ",\"content_block\":{\"type\":\"tool_use\",\"id\":\"" + id + "\",\"name\":\"" + name
                + "\",\"input\":{}}}");
    }

    private static Event text(int index, String text) {
        return new Event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index
                + ",\"delta\":{\"type\":\"text_delta\",\"text\":\"" + text + "\"}}");
    }

    /** A piece of tool input JSON; {@code partial} is written into a JSON string, so its quotes are escaped. */
    private static Event inputJson(int index, String partial) {
        return new Event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index
                + ",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"" + partial.replace("\"", "\\\"")
                + "\"}}");
    }

    private static Event blockStop(int index) {
        return new Event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + "}");
    }

    private static Event ping() {
        return new Event("ping", "{\"type\": \"ping\"}");
    }

    private static Event messageDelta(String stopReason, int outputTokens) {
        return new Event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + stopReason
                + "\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + outputTokens + "}}");
    }

    private static Event messageStop() {
        return new Event("message_stop", "{\"type\":\"message_stop\"}");
    }

    /** Sends the response head and then each event in its own HTTP chunk. */
    private static ScriptedUpstream.Exchange play(ScriptedUpstream.Exchange x, List<Event> events)
            throws Exception {
        x.sseHead();
        for (Event event : events) {
            x.event(event.name(), event.data());
        }
        return x;
    }

    private static String relayed(List<Event> events, String generationId) {
        StringBuilder wire = new StringBuilder();
        events.forEach(event -> wire.append(event.relayed(generationId)));
        return wire.toString();
    }

    /** A text block, two tool_use blocks whose input arrives in pieces, a ping, the stop reason and the stop. */
    private static List<Event> toolTurn() {
        return List.of(messageStart(), textStart(0), text(0, "Checking "), text(0, "both."), blockStop(0),
                toolStart(1, "toolu_01A", "get_weather"), inputJson(1, ""), inputJson(1, "{\"city\": \"Pa"),
                inputJson(1, "ris\"}"), blockStop(1), ping(),
                toolStart(2, "toolu_01B", "get_time"), inputJson(2, "{\"zone\":"), inputJson(2, " \"CET\"}"),
                blockStop(2), messageDelta("tool_use", 42), messageStop());
    }

    @Test
    void relaysEveryEventByteForByteWithTheGenerationIdInMessageStart() throws Exception {
        List<Event> events = toolTurn();
        upstream.script(x -> play(x, events).end());

        try (RawClient client = post(REQUEST)) {
            String id = client.headers.get("x-generation-id");
            assertThat(client.status).isEqualTo(200);
            assertThat(client.headers).containsEntry("content-type", "text/event-stream")
                    .containsEntry("cache-control", "no-cache").containsEntry("x-accel-buffering", "no");
            assertThat(id).matches("gen-[0-9a-f]{32}");
            String body = Chunks.withoutComments(client.rest());
            assertThat(body).isEqualTo(relayed(events, id));
            assertThat(body).as("the upstream's id is gone").doesNotContain(UPSTREAM_ID)
                    .startsWith("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"" + id
                            + "\",");

            GenerationRecord record = gateway.generation(id);
            assertThat(record.outcome()).isEqualTo(Generation.Outcome.COMPLETED);
            assertThat(record.model()).isEqualTo("anthropic/claude-test");
            assertThat(record.provider()).isEqualTo("anthropic");
            assertThat(record.finishReason()).isEqualTo("tool_use");
            assertThat(record.chunks()).isEqualTo(7);
            assertThat(record.completionText()).isEqualTo("Checking both.{\"city\": \"Paris\"}{\"zone\": \"CET\"}");
            assertThat(record.promptTokens()).as("input plus cache reads and writes").isEqualTo(15);
            assertThat(record.completionTokens()).isEqualTo(42);
        }
    }

    @Test
    void passesAWholeAnswerThroughWithTheGenerationId() throws Exception {
        String answer = "{\"id\":\"" + UPSTREAM_ID + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":"
                + "\"claude-test\",\"content\":[{\"type\":\"text\",\"text\":\"Hi there\"}],\"stop_reason\":"
                + "\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":9,\"output_tokens\":3}}";
        upstream.script(x -> x.json(200, answer));

        try (RawClient client = post(REQUEST.replace("\"stream\":true,", ""))) {
            String id = client.headers.get("x-generation-id");
            assertThat(client.status).isEqualTo(200);
            assertThat(client.headers.get("content-type")).startsWith("application/json");
            assertThat(client.rest()).isEqualTo(answer.replace(UPSTREAM_ID, id)
                    .replace("\"output_tokens\":3}", "\"output_tokens\":3,\"cost\":" + cost(9, 3) + "}"));
            GenerationRecord record = gateway.generation(id);
            assertThat(record.streamed()).isFalse();
            assertThat(record.completionText()).isEqualTo("Hi there");
            assertThat(record.finishReason()).isEqualTo("end_turn");
            assertThat(record.completionTokens()).isEqualTo(3);
        }
        assertThat(upstream.next().headers).containsEntry("accept", "application/json");
    }

    @ParameterizedTest(name = "client authenticates with {0}")
    @ValueSource(strings = {"x-api-key", "Authorization"})
    void forwardsToV1MessagesWithTheProviderKeyAndNeverTheClientKey(String header) throws Exception {
        upstream.script(x -> play(x, List.of(messageStart(), textStart(0), text(0, "ok"), blockStop(0),
                messageDelta("end_turn", 2), messageStop())).end());
        String body = "{\"model\":\"anthropic/claude-test\",\"max_tokens\":64,\"stream\":true,\"system\":[{\"type\":"
                + "\"text\",\"text\":\"Be brief.\",\"cache_control\":{\"type\":\"ephemeral\"}}],\"messages\":[{"
                + "\"role\":\"user\",\"content\":\"hi\"}],\"metadata\":{\"user_id\":\"u1\"},\"top_k\":5}";
        String auth = header.equals("x-api-key") ? "x-api-key: " + Gateway.KEY : "Authorization: " + Gateway.BEARER;

        try (RawClient client = RawClient.connect(gateway.uri()).postJson("/api/v1/messages", body, auth,
                "anthropic-version: 2023-01-01")) {
            assertThat(client.status).isEqualTo(200);
            client.rest();
        }
        ScriptedUpstream.Exchange exchange = upstream.next();
        assertThat(exchange.requestLine).isEqualTo("POST /v1/messages HTTP/1.1");
        assertThat(exchange.headers).containsEntry("x-api-key", Gateway.UPSTREAM_KEY)
                .containsEntry("anthropic-version", "2023-06-01").containsEntry("accept", "text/event-stream")
                .doesNotContainKey("authorization");
        assertThat(exchange.headers.get("content-type")).startsWith("application/json");
        assertThat(exchange.headers.toString()).doesNotContain(Gateway.KEY);
        assertThat(exchange.body).isEqualTo(body.replace("\"anthropic/claude-test\"", "\"claude-test\""));
    }

    @ParameterizedTest(name = "client hangs up with {0}")
    @ValueSource(strings = {"FIN", "RST"})
    void abortsTheUpstreamWithin1sWhenTheClientDisconnectsMidStream(String how) throws Exception {
        upstream.script(x -> {
            play(x, List.of(messageStart(), textStart(0)));
            for (int i = 0; i < 10_000 && !x.closed(); i++) {
                x.event("content_block_delta", text(0, "t" + i).data()).pause(10);
            }
        });

        RawClient client = post(REQUEST);
        String id = client.headers.get("x-generation-id");
        assertThat(client.nextData()).startsWith("event: message_start\n");
        assertThat(client.nextData()).startsWith("event: content_block_start\n");
        for (int i = 0; i < 5; i++) {
            assertThat(client.nextData()).isEqualTo(text(0, "t" + i).wire());
        }
        ScriptedUpstream.Exchange exchange = upstream.next();
        long disconnected = System.nanoTime();
        if (how.equals("RST")) {
            client.reset();
        } else {
            client.close();
        }

        long seen = exchange.awaitClosed(3_000);
        assertThat(TimeUnit.NANOSECONDS.toMillis(seen - disconnected)).as("ms until the upstream saw the close")
                .isLessThan(1_000);
        GenerationRecord record = gateway.generation(id);
        assertThat(record.cancelled()).isTrue();
        assertThat(record.completionText()).startsWith("t0t1t2t3t4");
    }

    @ParameterizedTest(name = "upstream {0} -> {1} ({2})")
    @CsvSource({
        "529, 503, overloaded_error",
        "500, 502, api_error",
        "503, 503, overloaded_error",
        "401, 502, api_error",
        "429, 429, rate_limit_error",
        "400, 400, invalid_request_error",
        "504, 504, timeout_error",
    })
    void answersAnUpstreamErrorBeforeTheStreamInTheMessagesShape(int upstreamStatus, int status, String type)
            throws Exception {
        upstream.script(x -> x.json(upstreamStatus, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
                + "\"message\":\"Overloaded for " + Gateway.UPSTREAM_KEY + "\"}}", "Retry-After: 7"));

        for (String body : new String[] {REQUEST, REQUEST.replace("\"stream\":true,", "")}) {
            assertAnswersInTheMessagesShape(body, upstreamStatus, status, type);
        }
    }

    private void assertAnswersInTheMessagesShape(String body, int upstreamStatus, int status, String type)
            throws Exception {
        try (RawClient client = post(body)) {
            String json = client.rest();
            assertThat(client.status).isEqualTo(status);
            assertThat(client.headers.get("content-type")).startsWith("application/json");
            assertThat(json).startsWith("{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":"
                    + "\"upstream 'anthropic' ").endsWith("\"}}").doesNotContain(Gateway.UPSTREAM_KEY);
            if (upstreamStatus == 401) {
                assertThat(json).as("credential errors hide the upstream's text").doesNotContain("Overloaded");
            } else {
                assertThat(json).contains("Overloaded for ****");
            }
            if (status == 429) {
                assertThat(client.headers).containsEntry("retry-after", "7");
            }
        }
    }

    @Test
    void reportsAnUpstreamErrorInBandOnceTheGracePeriodCommittedTheStream() throws Exception {
        upstream.script(x -> x.pause(600).json(529, "{\"type\":\"error\",\"error\":{\"type\":"
                + "\"overloaded_error\",\"message\":\"Overloaded\"}}"));

        try (Gateway quick = Gateway.againstAnthropic(upstream.root()); RawClient client = post(quick, REQUEST)) {
            assertThat(client.status).as("committed after the grace period (150 ms)").isEqualTo(200);
            assertThat(client.nextEvent()).as("kept alive while the upstream is silent").isEqualTo(": keep-alive\n\n");
            String id = client.headers.get("x-generation-id");
            assertThat(client.nextData()).isEqualTo("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":"
                    + "\"overloaded_error\",\"message\":\"upstream 'anthropic' is overloaded (HTTP 529): "
                    + "Overloaded\"}}\n\n");
            assertThat(client.nextData()).isNull();
            assertThat(quick.generation(id).outcome()).isEqualTo(Generation.Outcome.FAILED);
        }
    }

    @Test
    void endsWithAnErrorEventWhenTheUpstreamSendsOneMidStream() throws Exception {
        List<Event> before = List.of(messageStart(), textStart(0), text(0, "Hel"));
        upstream.script(x -> play(x, before).event("error", "{\"type\":\"error\",\"error\":{\"type\":"
                + "\"overloaded_error\",\"message\":\"Overloaded, key " + Gateway.UPSTREAM_KEY + "\"}}")
                .awaitClosed(10_000));

        try (RawClient client = post(REQUEST)) {
            String id = client.headers.get("x-generation-id");
            assertThat(client.status).isEqualTo(200);
            for (Event event : before) {
                assertThat(client.nextData()).isEqualTo(event.relayed(id));
            }
            String error = client.nextData();
            assertThat(error).startsWith("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"")
                    .contains("\"message\":\"upstream 'anthropic' failed mid-stream: Overloaded, key ****\"")
                    .endsWith("}}\n\n").doesNotContain(Gateway.UPSTREAM_KEY);
            assertThat(client.nextData()).as("the stream ends after the error").isNull();
            GenerationRecord record = gateway.generation(id);
            assertThat(record.outcome()).isEqualTo(Generation.Outcome.FAILED);
            assertThat(record.completionText()).isEqualTo("Hel");
        }
        upstream.next().awaitClosed(2_000); // throws when the gateway left the upstream connection open
    }

    @ParameterizedTest(name = "upstream body {0}")
    @ValueSource(strings = {"ends", "is reset"})
    void addsMessageStopWhenTheUpstreamStopsAfterItsStopReason(String how) throws Exception {
        List<Event> events = List.of(messageStart(), textStart(0), text(0, "Done"), blockStop(0),
                messageDelta("end_turn", 5));
        upstream.script(x -> {
            play(x, events).pause(20);
            if (how.equals("ends")) {
                x.end();
            } else {
                x.reset();
            }
        });

        try (RawClient client = post(REQUEST)) {
            String id = client.headers.get("x-generation-id");
            List<String> received = rest(client);
            List<String> expected = new ArrayList<>();
            events.forEach(event -> expected.add(event.relayed(id)));
            expected.add(messageStop().wire());
            assertThat(received).containsExactlyElementsOf(expected);
            GenerationRecord record = gateway.generation(id);
            assertThat(record.outcome()).isEqualTo(Generation.Outcome.COMPLETED);
            assertThat(record.finishReason()).isEqualTo("end_turn");
        }
    }

    @ParameterizedTest(name = "upstream body {0}")
    @CsvSource({
        "ends, ended the stream before it finished",
        "is reset, connection failed mid-stream",
    })
    void endsWithAnErrorEventWhenTheUpstreamStopsBeforeAnyStopReason(String how, String message) throws Exception {
        List<Event> events = List.of(messageStart(), textStart(0), text(0, "Cut"));
        upstream.script(x -> {
            play(x, events).pause(20);
            if (how.equals("ends")) {
                x.end();
            } else {
                x.reset();
            }
        });

        try (RawClient client = post(REQUEST)) {
            String id = client.headers.get("x-generation-id");
            List<String> received = rest(client);
            assertThat(received).hasSize(4);
            for (int i = 0; i < 3; i++) {
                assertThat(received.get(i)).isEqualTo(events.get(i).relayed(id));
            }
            assertThat(received.get(3)).isEqualTo("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":"
                    + "\"api_error\",\"message\":\"upstream 'anthropic' " + message + "\"}}\n\n");
            assertThat(gateway.generation(id).outcome()).isEqualTo(Generation.Outcome.FAILED);
        }
    }

    @Test
    void answersTheGatewaysOwnErrorsInTheMessagesShape() throws Exception {
        try (Gateway small = Gateway.againstAnthropic(upstream.root(), "ANYROUTER_MAX_BODY_BYTES", "2048")) {
            assertThat(error(small, REQUEST.replace("anthropic/claude-test", "openai/gpt-4o")))
                    .isEqualTo("404 {\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":"
                            + "\"unknown provider: 'openai' (expected one of: [anthropic])\"}}");
            assertThat(error(small, REQUEST.replace("}]}", "}]")))
                    .startsWith("400 {\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                            + "\"message\":\"request body is not valid JSON");
            assertThat(error(small, REQUEST.replace("Weather and time in Paris?", "x".repeat(4096))))
                    .isEqualTo("413 {\"type\":\"error\",\"error\":{\"type\":\"request_too_large\",\"message\":"
                            + "\"request body is larger than 2048 bytes\"}}");
        }
        assertThat(upstream.idle()).as("no request reached the upstream").isTrue();
    }

    private static String error(Gateway gateway, String body) throws Exception {
        try (RawClient client = RawClient.connect(gateway.uri()).postJson("/api/v1/messages", body,
                "x-api-key: " + Gateway.KEY)) {
            assertThat(client.headers.get("content-type")).startsWith("application/json");
            return client.status + " " + client.rest();
        }
    }

    /** Every remaining event but keep-alive comments. */
    private static List<String> rest(RawClient client) throws Exception {
        List<String> events = new ArrayList<>();
        String event;
        while ((event = client.nextData()) != null) {
            events.add(event);
        }
        return events;
    }
}
