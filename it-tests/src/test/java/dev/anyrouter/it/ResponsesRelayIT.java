package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code POST /api/v1/responses} on the wire, in front of a scripted chat-completions upstream: the exact framing and
 * order of the events, cancellation, errors before and after the first byte, and the ledger rows.
 */
class ResponsesRelayIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REQUEST = "{\"model\":\"openai/gpt-test\",\"stream\":true,\"input\":\"Hello\"}";
    /** One event as the Responses API frames it: its type as the name, then one data line. */
    private static final Pattern EVENT = Pattern.compile("event: ([a-z_.]+)\ndata: (\\{.*})\n\n");

    private ScriptedUpstream upstream;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        upstream = new ScriptedUpstream();
        gateway = Gateway.against(upstream.baseUri(), "ANYROUTER_COMMIT_GRACE_MS", "2000");
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    private RawClient post(String body) throws Exception {
        return RawClient.connect(gateway.uri()).postJson("/api/v1/responses", body, "Authorization: " + Gateway.BEARER);
    }

    private static String chunk(String delta, String finish) {
        return "{\"id\":\"chatcmpl-up\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-test\","
                + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]}";
    }

    @Test
    void framesEveryEventWithItsTypeAndARisingSequenceNumber() throws Exception {
        upstream.script(x -> x.sseHead().data(chunk("{\"role\":\"assistant\",\"content\":\"\"}", "null"))
                .data(chunk("{\"content\":\"Hel\"}", "null")).data(chunk("{\"content\":\"lo\"}", "null"))
                .data(chunk("{}", "\"stop\"")).data("{\"id\":\"chatcmpl-up\",\"object\":\"chat.completion.chunk\","
                        + "\"created\":1,\"model\":\"gpt-test\",\"choices\":[],\"usage\":{\"prompt_tokens\":7,"
                        + "\"completion_tokens\":2,\"total_tokens\":9}}").data("[DONE]").end());

        try (RawClient client = post(REQUEST)) {
            String id = client.headers.get("x-generation-id");
            assertThat(client.status).isEqualTo(200);
            assertThat(client.headers).containsEntry("content-type", "text/event-stream");
            String body = Chunks.withoutComments(client.rest());
            List<String> types = new ArrayList<>();
            Matcher event = EVENT.matcher(body);
            int end = 0;
            while (event.find() && event.start() == end) {
                JsonNode data = JSON.readTree(event.group(2));
                assertThat(data.path("type").asText()).as("the name is the type").isEqualTo(event.group(1));
                assertThat(data.path("sequence_number").asInt()).as("sequence number").isEqualTo(types.size());
                types.add(event.group(1));
                end = event.end();
            }
            assertThat(end).as("the whole body is such events: %s", body).isEqualTo(body.length());
            assertThat(types).containsExactly("response.created", "response.in_progress",
                    "response.output_item.added", "response.content_part.added", "response.output_text.delta",
                    "response.output_text.delta", "response.output_text.done", "response.content_part.done",
                    "response.output_item.done", "response.completed");
            assertThat(body).contains("\"delta\":\"Hel\"", "\"delta\":\"lo\"", "\"text\":\"Hello\"")
                    .startsWith("event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\""
                            + id + "\",\"object\":\"response\",").doesNotContain("chatcmpl-up");
            assertThat(body).contains("\"usage\":{\"input_tokens\":7,\"input_tokens_details\":{\"cached_tokens\":0},"
                    + "\"output_tokens\":2,\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":9,"
                    + "\"cost\":");
            GenerationRecord record = gateway.generation(id);
            assertThat(record.outcome()).isEqualTo(Generation.Outcome.COMPLETED);
            assertThat(record.completionText()).isEqualTo("Hello");
            assertThat(record.finishReason()).isEqualTo("stop");
            assertThat(record.promptTokens()).isEqualTo(7);
            assertThat(record.completionTokens()).isEqualTo(2);
        }
        ScriptedUpstream.Exchange exchange = upstream.next();
        assertThat(exchange.requestLine).isEqualTo("POST /v1/chat/completions HTTP/1.1");
        assertThat(JSON.readTree(exchange.body)).isEqualTo(JSON.readTree("{\"model\":\"gpt-test\",\"messages\":[{"
                + "\"role\":\"user\",\"content\":\"Hello\"}],\"stream\":true,\"stream_options\":{\"include_usage\":true}}"));
    }

    @ParameterizedTest(name = "client hangs up with {0}")
    @ValueSource(strings = {"FIN", "RST"})
    void abortsTheUpstreamWithin1sWhenTheClientDisconnectsMidStream(String how) throws Exception {
        upstream.script(x -> {
            x.sseHead().data(chunk("{\"role\":\"assistant\",\"content\":\"\"}", "null"));
            for (int i = 0; i < 10_000 && !x.closed(); i++) {
                x.data(chunk("{\"content\":\"t" + i + "\"}", "null")).pause(10);
            }
        });

        RawClient client = post(REQUEST);
        String id = client.headers.get("x-generation-id");
        for (int i = 0; i < 9; i++) { // created, in_progress, item and part added, then deltas t0 to t4
            assertThat(client.nextData()).startsWith("event: response.");
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

    @Test
    void endsWithResponseFailedWhenTheUpstreamFailsMidStream() throws Exception {
        upstream.script(x -> x.sseHead().data(chunk("{\"role\":\"assistant\",\"content\":\"Hel\"}", "null"))
                .data("{\"error\":{\"message\":\"boom, key " + Gateway.UPSTREAM_KEY + "\",\"type\":\"server_error\"}}")
                .awaitClosed(10_000));

        try (RawClient client = post(REQUEST)) {
            String id = client.headers.get("x-generation-id");
            String body = Chunks.withoutComments(client.rest());
            String last = body.substring(body.lastIndexOf("event: "));
            assertThat(last).startsWith("event: response.failed\n")
                    .contains("\"status\":\"failed\"", "\"error\":{\"code\":\"server_error\",\"message\":\"upstream "
                            + "'openai' failed mid-stream: boom, key ****\"}", "\"text\":\"Hel\"");
            assertThat(body).doesNotContain("response.completed").doesNotContain(Gateway.UPSTREAM_KEY);
            GenerationRecord record = gateway.generation(id);
            assertThat(record.outcome()).isEqualTo(Generation.Outcome.FAILED);
            assertThat(record.completionText()).isEqualTo("Hel");
        }
    }

    @ParameterizedTest(name = "upstream {0} -> {1}")
    @CsvSource({"429, 429, rate_limit_error", "400, 400, invalid_request_error", "500, 502, upstream_error"})
    void answersAnUpstreamErrorBeforeTheStreamInOpenAisShape(int upstreamStatus, int status, String type)
            throws Exception {
        upstream.script(x -> x.json(upstreamStatus, "{\"error\":{\"message\":\"nope\",\"type\":\"invalid_request_error"
                + "\"}}"));

        try (RawClient client = post(REQUEST)) {
            assertThat(client.status).isEqualTo(status);
            JsonNode error = JSON.readTree(client.rest()).path("error");
            assertThat(error.path("type").asText()).isEqualTo(type);
            assertThat(error.path("message").asText()).contains("nope");
        }
    }

    @Test
    void retriesThenFallsBackBeforeTheFirstByte() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        upstream.script(x -> {
            tries.incrementAndGet();
            x.json(503, "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}");
        });
        try (ScriptedUpstream anthropic = new ScriptedUpstream()) {
            anthropic.script(x -> x.sseHead().event("message_start", "{\"type\":\"message_start\",\"message\":{"
                    + "\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":"
                    + "\"claude-test\",\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}")
                    .event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
                            + "{\"type\":\"text\",\"text\":\"\"}}")
                    .event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
                            + "\"text_delta\",\"text\":\"From Claude\"}}")
                    .event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")
                    .event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
                            + "\"usage\":{\"output_tokens\":3}}")
                    .event("message_stop", "{\"type\":\"message_stop\"}").end());
            try (Gateway both = Gateway.against(upstream.baseUri(), "ANYROUTER_RETRIES", "1", "ANTHROPIC_BASE_URL",
                    anthropic.root().toString(), "ANTHROPIC_API_KEY", "sk-ant");
                    RawClient client = RawClient.connect(both.uri()).postJson("/api/v1/responses", REQUEST.replace(
                            "\"stream\":true,", "\"stream\":true,\"models\":[\"anthropic/claude-test\"],"),
                            "Authorization: " + Gateway.BEARER)) {
                assertThat(client.status).isEqualTo(200);
                String body = client.rest();
                assertThat(body).contains("\"delta\":\"From Claude\"").contains("event: response.completed\n");
                GenerationRecord record = both.generation(client.headers.get("x-generation-id"));
                assertThat(record.model()).as("the model that served it").isEqualTo("anthropic/claude-test");
                assertThat(record.completionText()).isEqualTo("From Claude");
                assertThat(tries).as("one try and one retry of the first model").hasValue(2);
            }
        }
    }

    @Test
    void refusesWhatAChatUpstreamCannotServe() throws Exception {
        try (RawClient client = post("{\"model\":\"openai/gpt-test\",\"input\":\"hi\",\"tools\":[{\"type\":"
                + "\"web_search\"}]}")) {
            assertThat(client.status).isEqualTo(400);
            assertThat(JSON.readTree(client.rest()).path("error").path("message").asText())
                    .contains("tools[0]", "web_search");
        }
        try (RawClient client = post("{\"model\":\"openai/gpt-test\",\"input\":\"hi\",\"previous_response_id\":"
                + "\"resp_1\"}")) {
            assertThat(client.status).isEqualTo(400);
            assertThat(client.rest()).contains("previous_response_id");
        }
        assertThat(upstream.idle()).as("nothing reached the upstream").isTrue();
    }
}
