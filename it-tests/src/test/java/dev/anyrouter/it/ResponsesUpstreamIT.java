package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseStreamEvent;
import dev.anyrouter.accounting.GenerationRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A provider that speaks the Responses API itself ({@code api: openai-responses}), scripted: Responses clients pass
 * through byte for byte but for the id and the cost, chat-completions and Messages clients are translated, and a
 * client's hang-up aborts the upstream as for every other API.
 */
class ResponsesUpstreamIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String UPSTREAM_ID = "resp_0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    private static final String RESPONSE = "{\"id\":\"" + UPSTREAM_ID + "\",\"object\":\"response\",\"created_at\":"
            + "1760000000,\"status\":\"%s\",\"error\":null,\"incomplete_details\":null,\"instructions\":null,"
            + "\"max_output_tokens\":null,\"model\":\"gpt-5-mini\",\"output\":%s,\"parallel_tool_calls\":true,"
            + "\"previous_response_id\":null,\"store\":false,\"temperature\":1.0,\"tool_choice\":\"auto\",\"tools\":[],"
            + "\"top_p\":1.0,\"usage\":%s,\"metadata\":{}}";
    private static final String MESSAGE = "{\"id\":\"msg_01\",\"type\":\"message\",\"status\":\"%s\",\"content\":%s,"
            + "\"role\":\"assistant\"}";
    private static final String DONE_TEXT = "[{\"type\":\"output_text\",\"annotations\":[],\"logprobs\":[],\"text\":"
            + "\"Hello there\"}]";
    private static final String USAGE = "{\"input_tokens\":11,\"input_tokens_details\":{\"cached_tokens\":0},"
            + "\"output_tokens\":3,\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":14}";

    private ScriptedUpstream upstream;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        upstream = new ScriptedUpstream();
        gateway = Gateway.against(upstream.baseUri(), "OPENAI_API", "openai-responses", "ANYROUTER_COMMIT_GRACE_MS",
                "2000");
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    /** A whole answer "Hello there" as OpenAI streams it: its events, in order, each with its name. */
    private static List<String[]> events() {
        String item = "\"item_id\":\"msg_01\",\"output_index\":0,\"content_index\":0";
        List<String[]> events = new ArrayList<>();
        events.add(new String[] {"response.created", "{\"type\":\"response.created\",\"sequence_number\":0,\"response\":"
                + RESPONSE.formatted("in_progress", "[]", "null") + "}"});
        events.add(new String[] {"response.in_progress", "{\"type\":\"response.in_progress\",\"sequence_number\":1,"
                + "\"response\":" + RESPONSE.formatted("in_progress", "[]", "null") + "}"});
        events.add(new String[] {"response.output_item.added", "{\"type\":\"response.output_item.added\","
                + "\"sequence_number\":2,\"output_index\":0,\"item\":" + MESSAGE.formatted("in_progress", "[]") + "}"});
        events.add(new String[] {"response.content_part.added", "{\"type\":\"response.content_part.added\","
                + "\"sequence_number\":3," + item + ",\"part\":{\"type\":\"output_text\",\"annotations\":[],"
                + "\"logprobs\":[],\"text\":\"\"}}"});
        events.add(new String[] {"response.output_text.delta", "{\"type\":\"response.output_text.delta\","
                + "\"sequence_number\":4," + item + ",\"delta\":\"Hello\",\"logprobs\":[],\"obfuscation\":\"x1\"}"});
        events.add(new String[] {"response.output_text.delta", "{\"type\":\"response.output_text.delta\","
                + "\"sequence_number\":5," + item + ",\"delta\":\" there\",\"logprobs\":[],\"obfuscation\":\"x2\"}"});
        events.add(new String[] {"response.output_text.done", "{\"type\":\"response.output_text.done\","
                + "\"sequence_number\":6," + item + ",\"text\":\"Hello there\",\"logprobs\":[]}"});
        events.add(new String[] {"response.content_part.done", "{\"type\":\"response.content_part.done\","
                + "\"sequence_number\":7," + item + ",\"part\":{\"type\":\"output_text\",\"annotations\":[],"
                + "\"logprobs\":[],\"text\":\"Hello there\"}}"});
        events.add(new String[] {"response.output_item.done", "{\"type\":\"response.output_item.done\","
                + "\"sequence_number\":8,\"output_index\":0,\"item\":" + MESSAGE.formatted("completed", DONE_TEXT)
                + "}"});
        events.add(new String[] {"response.completed", "{\"type\":\"response.completed\",\"sequence_number\":9,"
                + "\"response\":" + RESPONSE.formatted("completed", "[" + MESSAGE.formatted("completed", DONE_TEXT)
                + "]", USAGE) + "}"});
        return events;
    }

    private void scriptTheAnswer() {
        upstream.script(x -> {
            x.sseHead();
            for (String[] event : events()) {
                x.event(event[0], event[1]);
            }
            x.end();
        });
    }

    @Test
    void passesAResponsesStreamByteForByteWithTheGenerationIdAndTheCost() throws Exception {
        scriptTheAnswer();
        String request = "{\"model\":\"openai/gpt-5-mini\",\"stream\":true,\"input\":\"Hi\",\"tools\":[{\"type\":"
                + "\"web_search\"}]}";

        try (RawClient client = RawClient.connect(gateway.uri()).postJson("/api/v1/responses", request,
                "Authorization: " + Gateway.BEARER)) {
            String id = client.headers.get("x-generation-id");
            assertThat(client.status).isEqualTo(200);
            String body = Chunks.withoutComments(client.rest());
            GenerationRecord record = gateway.generation(id);
            StringBuilder expected = new StringBuilder();
            for (String[] event : events()) {
                expected.append("event: ").append(event[0]).append("\ndata: ").append(event[1]
                        .replace(UPSTREAM_ID, id).replace("\"total_tokens\":14}", "\"total_tokens\":14,\"cost\":"
                                + record.cost().toPlainString() + "}")).append("\n\n");
            }
            assertThat(body).isEqualTo(expected.toString());
            assertThat(record.completionText()).isEqualTo("Hello there");
            assertThat(record.finishReason()).isEqualTo("stop");
            assertThat(record.promptTokens()).isEqualTo(11);
            assertThat(record.completionTokens()).isEqualTo(3);
            assertThat(record.servedModel()).isEqualTo("gpt-5-mini");
        }
        ScriptedUpstream.Exchange exchange = upstream.next();
        assertThat(exchange.requestLine).isEqualTo("POST /v1/responses HTTP/1.1");
        assertThat(exchange.headers).containsEntry("authorization", "Bearer " + Gateway.UPSTREAM_KEY);
        assertThat(JSON.readTree(exchange.body)).as("the built-in tool passes; store is false unless asked")
                .isEqualTo(JSON.readTree("{\"model\":\"gpt-5-mini\",\"stream\":true,\"input\":\"Hi\",\"tools\":[{"
                        + "\"type\":\"web_search\"}],\"store\":false}"));
    }

    @Test
    void theSdksAccumulatorJoinsThePassedStream() {
        scriptTheAnswer();
        OpenAIClient client = OpenAIOkHttpClient.builder().apiKey(Gateway.KEY).baseUrl(gateway.uri() + "v1")
                .maxRetries(0).build();
        ResponseAccumulator accumulator = ResponseAccumulator.create();
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(
                ResponseCreateParams.builder().model("openai/gpt-5-mini").input("Hi").build())) {
            stream.stream().forEach(accumulator::accumulate);
        } finally {
            client.close();
        }

        Response response = accumulator.response();
        assertThat(response.id()).startsWith("gen-");
        assertThat(response.output().get(0).asMessage().content().get(0).asOutputText().text())
                .isEqualTo("Hello there");
        assertThat(gateway.generation(response.id()).completionText()).isEqualTo("Hello there");
    }

    @Test
    void theSdkGetsAWholeResponseAndAFunctionCallRoundTripPassesThrough() throws Exception {
        String call = "{\"id\":\"fc_01\",\"type\":\"function_call\",\"status\":\"completed\",\"arguments\":"
                + "\"{\\\"city\\\":\\\"Paris\\\"}\",\"call_id\":\"call_01\",\"name\":\"get_weather\"}";
        upstream.script(x -> x.json(200, x.body.contains("function_call_output")
                ? RESPONSE.formatted("completed", "[" + MESSAGE.formatted("completed", DONE_TEXT) + "]", USAGE)
                : RESPONSE.formatted("completed", "[" + call + "]", USAGE)));
        OpenAIClient client = OpenAIOkHttpClient.builder().apiKey(Gateway.KEY).baseUrl(gateway.uri() + "api/v1")
                .maxRetries(0).build();
        try {
            Response first = client.responses().create(ResponseCreateParams.builder().model("openai/gpt-5-mini")
                    .input("Weather in Paris?").build());
            ResponseFunctionToolCall called = first.output().get(0).asFunctionCall();
            assertThat(first.id()).startsWith("gen-");
            assertThat(called.callId()).isEqualTo("call_01");
            assertThat(gateway.generation(first.id()).finishReason()).isEqualTo("tool_calls");
            upstream.next();

            Response answer = client.responses().create(ResponseCreateParams.builder().model("openai/gpt-5-mini")
                    .inputOfResponse(List.of(ResponseInputItem.ofFunctionCall(called),
                            ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                                    .callId("call_01").output("21 C").build())))
                    .build());

            assertThat(answer.output().get(0).asMessage().content().get(0).asOutputText().text())
                    .isEqualTo("Hello there");
            JsonNode sent = JSON.readTree(upstream.next().body);
            assertThat(sent.path("input").get(1)).as("the output item as the SDK sent it")
                    .isEqualTo(JSON.readTree("{\"call_id\":\"call_01\",\"output\":\"21 C\",\"type\":"
                            + "\"function_call_output\"}"));
            assertThat(gateway.generation(answer.id()).completionText()).isEqualTo("Hello there");
        } finally {
            client.close();
        }
    }

    @Test
    void aChatCompletionsClientIsTranslated() throws Exception {
        scriptTheAnswer();
        OpenAIClient client = OpenAIOkHttpClient.builder().apiKey(Gateway.KEY).baseUrl(gateway.uri() + "api/v1")
                .maxRetries(0).build();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("openai/gpt-5-mini").addSystemMessage("Be brief.")
                        .addUserMessage("Hi").maxCompletionTokens(50).build())) {
            stream.stream().forEach(chunks::add);
        } finally {
            client.close();
        }

        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.choices().forEach(choice -> choice.delta().content().ifPresent(text::append)));
        assertThat(text).hasToString("Hello there");
        assertThat(chunks).extracting(ChatCompletionChunk::id).containsOnly(chunks.get(0).id());
        assertThat(chunks.get(chunks.size() - 1).choices().get(0).finishReason().orElseThrow())
                .isEqualTo(ChatCompletionChunk.Choice.FinishReason.STOP);
        JsonNode sent = JSON.readTree(upstream.next().body);
        assertThat(sent.path("model").asText()).isEqualTo("gpt-5-mini");
        assertThat(sent.path("max_output_tokens").asInt()).isEqualTo(50);
        assertThat(sent.path("store").asBoolean(true)).isFalse();
        assertThat(sent.path("input").toString()).contains("Be brief.", "Hi");
        assertThat(gateway.generation(chunks.get(0).id()).completionText()).isEqualTo("Hello there");
    }

    @Test
    void aMessagesClientIsTranslatedThroughChatCompletions() throws Exception {
        scriptTheAnswer();
        String request = "{\"model\":\"openai/gpt-5-mini\",\"max_tokens\":64,\"stream\":true,\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"Hi\"}]}";

        try (RawClient client = RawClient.connect(gateway.uri()).postJson("/api/v1/messages", request,
                "x-api-key: " + Gateway.KEY)) {
            String id = client.headers.get("x-generation-id");
            String body = client.rest();
            assertThat(body).startsWith("event: message_start\n").contains("\"text\":\"Hello\"", "\"text\":\" there\"",
                    "\"stop_reason\":\"end_turn\"").endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
            GenerationRecord record = gateway.generation(id);
            assertThat(record.completionText()).isEqualTo("Hello there");
            assertThat(record.promptTokens()).isEqualTo(11);
        }
    }

    @Test
    void abortsTheUpstreamWithin1sWhenTheClientHangsUp() throws Exception {
        List<String[]> opening = events().subList(0, 4);
        upstream.script(x -> {
            x.sseHead();
            for (String[] event : opening) {
                x.event(event[0], event[1]);
            }
            for (int i = 0; i < 10_000 && !x.closed(); i++) {
                x.event("response.output_text.delta", "{\"type\":\"response.output_text.delta\",\"sequence_number\":"
                        + (4 + i) + ",\"item_id\":\"msg_01\",\"output_index\":0,\"content_index\":0,\"delta\":\"t" + i
                        + "\",\"logprobs\":[]}").pause(10);
            }
        });

        RawClient client = RawClient.connect(gateway.uri()).postJson("/api/v1/responses",
                "{\"model\":\"openai/gpt-5-mini\",\"stream\":true,\"input\":\"Hi\"}", "Authorization: " + Gateway.BEARER);
        String id = client.headers.get("x-generation-id");
        for (int i = 0; i < 9; i++) {
            assertThat(client.nextData()).startsWith("event: response.");
        }
        ScriptedUpstream.Exchange exchange = upstream.next();
        long disconnected = System.nanoTime();
        client.reset();

        long seen = exchange.awaitClosed(3_000);
        assertThat(TimeUnit.NANOSECONDS.toMillis(seen - disconnected)).isLessThan(1_000);
        GenerationRecord record = gateway.generation(id);
        assertThat(record.cancelled()).isTrue();
        assertThat(record.completionText()).startsWith("t0t1t2t3t4");
    }
}
