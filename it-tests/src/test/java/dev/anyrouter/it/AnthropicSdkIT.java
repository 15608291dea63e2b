package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.HttpResponseFor;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.SseException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.ErrorType;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolChoiceTool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationRecord;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The official Anthropic Java SDK, changed only in its base URL and key, against the offline gateway: its
 * {@code anthropic/*} models are answered by the simulator's Messages API and passed through unchanged.
 */
class AnthropicSdkIT {

    /** The model asked: an Anthropic one, answered by the simulator's Messages API without translation. */
    String model() {
        return "anthropic/claude-test";
    }

    /** The model name the upstream answers with. */
    String upstreamModel() {
        return model().substring(model().indexOf('/') + 1);
    }

    private static Gateway gateway;
    private AnthropicClient client;

    @BeforeAll
    static void start() {
        gateway = Gateway.offline();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @BeforeEach
    void connect() {
        client = sdk(AnthropicOkHttpClient.builder().apiKey(Gateway.KEY));
    }

    @AfterEach
    void disconnect() {
        client.close();
    }

    /** The SDK appends {@code /v1/messages} to {@code http://host:port/api} (docs/wire-format.md section 5). */
    private static AnthropicClient sdk(AnthropicOkHttpClient.Builder builder) {
        return builder.baseUrl(gateway.uri() + "api").maxRetries(0).build();
    }

    MessageCreateParams.Builder ask(String prompt) {
        return MessageCreateParams.builder().model(model()).maxTokens(256).addUserMessage(prompt);
    }

    private static MessageCreateParams.Builder simulate(MessageCreateParams.Builder params, Map<String, ?> knobs) {
        return params.putAdditionalBodyProperty("simulation", JsonValue.from(knobs));
    }

    private static Tool weatherTool() {
        return Tool.builder().name("get_weather").description("The weather in a city")
                .inputSchema(Tool.InputSchema.builder()
                        .properties(JsonValue.from(Map.of("city", Map.of("type", "string"),
                                "unit", Map.of("type", "string"))))
                        .required(List.of("city"))
                        .build())
                .build();
    }

    private static String text(Message message) {
        StringBuilder text = new StringBuilder();
        message.content().stream().filter(ContentBlock::isText).forEach(b -> text.append(b.asText().text()));
        return text.toString();
    }

    /** Streams a request through the SDK's accumulator, keeping every event. */
    private List<RawMessageStreamEvent> stream(MessageCreateParams params, MessageAccumulator accumulator) {
        List<RawMessageStreamEvent> events = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
            stream.stream().forEach(event -> events.add(accumulator.accumulate(event)));
        }
        return events;
    }

    @Test
    void answersWithoutStreamingWithTheGenerationIdAsMessageId() {
        Message message = client.messages().create(ask("Count to 3").build());

        assertThat(message.id()).matches("gen-[0-9a-f]{32}");
        assertThat(message.content()).hasSize(1);
        assertThat(message.content().get(0).isText()).isTrue();
        assertThat(text(message)).isEqualTo("1, 2, 3");
        assertThat(message.stopReason()).contains(StopReason.END_TURN);
        assertThat(message.model().asString()).isEqualTo(upstreamModel());
        assertThat(message.usage().inputTokens()).isPositive();
        assertThat(message.usage().outputTokens()).isPositive();

        GenerationRecord record = gateway.generation(message.id());
        assertThat(record.model()).isEqualTo(model());
        assertThat(record.streamed()).isFalse();
        assertThat(record.outcome()).isEqualTo(Generation.Outcome.COMPLETED);
        assertThat(record.completionText()).isEqualTo("1, 2, 3");
        assertThat(record.finishReason()).isEqualTo("end_turn");
        assertThat(record.promptTokens()).isEqualTo(message.usage().inputTokens());
        assertThat(record.completionTokens()).isEqualTo(message.usage().outputTokens());
    }

    @Test
    void streamsTextThatTheAccumulatorJoins() throws Exception {
        MessageAccumulator accumulator = MessageAccumulator.create();
        List<RawMessageStreamEvent> events = new ArrayList<>();
        String headerId;
        try (HttpResponseFor<StreamResponse<RawMessageStreamEvent>> raw = client.messages().withRawResponse()
                .createStreaming(ask("Count to 5").build());
                StreamResponse<RawMessageStreamEvent> stream = raw.parse()) {
            headerId = raw.headers().values("X-Generation-Id").get(0);
            stream.stream().forEach(event -> events.add(accumulator.accumulate(event)));
        }

        Message message = accumulator.message();
        assertThat(text(message)).isEqualTo("1, 2, 3, 4, 5");
        assertThat(message.id()).isEqualTo(headerId).startsWith("gen-");
        assertThat(message.stopReason()).contains(StopReason.END_TURN);
        assertThat(events).filteredOn(RawMessageStreamEvent::isMessageStart).hasSize(1);
        assertThat(events.get(0).isMessageStart()).isTrue();
        assertThat(events.get(events.size() - 1).isMessageStop()).isTrue();
        assertThat(events).filteredOn(RawMessageStreamEvent::isContentBlockDelta).hasSize(5);
        assertThat(events).filteredOn(RawMessageStreamEvent::isMessageDelta).hasSize(1);
        long outputTokens = events.stream().filter(RawMessageStreamEvent::isMessageDelta)
                .mapToLong(e -> e.asMessageDelta().usage().outputTokens()).max().orElseThrow();
        assertThat(message.usage().outputTokens()).isEqualTo(outputTokens).isPositive();
        assertThat(message.usage().inputTokens()).isPositive();

        GenerationRecord record = gateway.generation(headerId);
        assertThat(record.streamed()).isTrue();
        assertThat(record.outcome()).isEqualTo(Generation.Outcome.COMPLETED);
        assertThat(record.completionText()).isEqualTo("1, 2, 3, 4, 5");
        assertThat(record.finishReason()).isEqualTo("end_turn");
        assertThat(record.completionTokens()).isEqualTo(outputTokens);
        assertThat(record.promptTokens()).isEqualTo(message.usage().inputTokens());
    }

    @Test
    void streamsAToolUseBlockWithParsedInput() {
        MessageAccumulator accumulator = MessageAccumulator.create();
        List<RawMessageStreamEvent> events = stream(ask("What is the weather in Paris?").addTool(weatherTool())
                .build(), accumulator);

        Message message = accumulator.message();
        assertThat(message.content()).hasSize(1);
        ToolUseBlock call = message.content().get(0).toolUse().orElseThrow();
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(call.id()).isNotBlank();
        assertThat(call._input().convert(Map.class)).isEqualTo(Map.of("city", "simulated"));
        assertThat(message.stopReason()).contains(StopReason.TOOL_USE);
        assertThat(events).filteredOn(e -> e.isContentBlockDelta()
                && e.asContentBlockDelta().delta().isInputJson()).hasSizeGreaterThan(1);
        assertThat(gateway.generation(message.id()).finishReason()).isEqualTo("tool_use");
    }

    @Test
    void completesAToolRoundTrip() {
        Tool other = Tool.builder().name("get_time").inputSchema(Tool.InputSchema.builder()
                .properties(JsonValue.from(Map.of("zone", Map.of("type", "string")))).required(List.of("zone"))
                .build()).build();
        MessageCreateParams.Builder conversation = ask("What is the weather in Paris?").addTool(other)
                .addTool(weatherTool()).toolChoice(ToolChoiceTool.builder().name("get_weather").build());
        Message call = client.messages().create(conversation.build());
        ToolUseBlock toolUse = call.content().get(0).toolUse().orElseThrow();
        assertThat(toolUse.name()).as("the forced tool").isEqualTo("get_weather");
        assertThat(call.stopReason()).contains(StopReason.TOOL_USE);

        conversation.addMessage(call).addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(
                ToolResultBlockParam.builder().toolUseId(toolUse.id()).content("18 degrees, sunny").build())));
        MessageAccumulator accumulator = MessageAccumulator.create();
        stream(conversation.build(), accumulator);

        Message answer = accumulator.message();
        assertThat(answer.content()).isNotEmpty().allMatch(ContentBlock::isText);
        assertThat(text(answer)).startsWith("This is a simulated answer");
        assertThat(answer.stopReason()).contains(StopReason.END_TURN);
        assertThat(answer.id()).isNotEqualTo(call.id());
    }

    @ParameterizedTest(name = "stream {0}")
    @ValueSource(booleans = {false, true})
    void stopsAtMaxTokens(boolean streamed) {
        MessageCreateParams params = ask("Count to 5").maxTokens(2).build();
        Message message;
        if (streamed) {
            MessageAccumulator accumulator = MessageAccumulator.create();
            stream(params, accumulator);
            message = accumulator.message();
        } else {
            message = client.messages().create(params);
        }

        assertThat(text(message)).isEqualTo("1, 2");
        assertThat(message.stopReason()).contains(StopReason.MAX_TOKENS);
        assertThat(gateway.generation(message.id()).finishReason()).isEqualTo("max_tokens");
    }

    @ParameterizedTest(name = "stream {0}")
    @ValueSource(booleans = {false, true})
    void surfacesARateLimitBeforeTheStreamAsRateLimitException(boolean streamed) {
        MessageCreateParams params = simulate(ask("hi"), Map.of("fail_status", 429)).build();

        assertThatThrownBy(() -> call(params, streamed))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(429);
                    assertThat(e.errorType()).contains(ErrorType.RATE_LIMIT_ERROR);
                    assertThat(e.headers().values("Retry-After")).containsExactly("1");
                })
                .hasMessageContaining("simulated upstream error 429");
    }

    @ParameterizedTest(name = "stream {0}")
    @ValueSource(booleans = {false, true})
    void surfacesAnUpstreamServerErrorAs502(boolean streamed) {
        MessageCreateParams params = simulate(ask("hi"), Map.of("fail_status", 500)).build();

        assertThatThrownBy(() -> call(params, streamed))
                .isInstanceOfSatisfying(AnthropicServiceException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(502);
                    assertThat(e.errorType()).contains(ErrorType.API_ERROR);
                })
                .hasMessageContaining("upstream 'simulated' failed (HTTP 500)");
    }

    private void call(MessageCreateParams params, boolean streamed) {
        if (streamed) {
            stream(params, MessageAccumulator.create());
        } else {
            client.messages().create(params);
        }
    }

    @Test
    void surfacesTheGatewaysValidationAsBadRequestException() {
        MessageCreateParams params = ask("hi").addTool(weatherTool())
                .toolChoice(ToolChoiceTool.builder().name("get_time").build()).build();

        assertThatThrownBy(() -> client.messages().create(params))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.errorType()).contains(ErrorType.INVALID_REQUEST_ERROR);
                })
                .hasMessageContaining("tool_choice.name: 'get_time' is not one of the tools");
    }

    @Test
    void answersABodyWithoutMaxTokensWith400InTheMessagesErrorShape() throws Exception {
        HttpResponse<String> response = post(Map.of("x-api-key", Gateway.KEY),
                "{\"model\":\"" + model() + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith("application/json"));
        assertThat(response.body()).isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                + "\"message\":\"max_tokens: missing (expected: a whole number of at least 1; the Messages API "
                + "requires it)\"}}");
    }

    @Test
    void endsTheStreamWithAnErrorEventThatTheSdkThrows() {
        MessageCreateParams params = simulate(ask("Count to 50"),
                Map.of("fail_after", 2, "fail_mode", "error")).build();
        MessageAccumulator accumulator = MessageAccumulator.create();
        List<RawMessageStreamEvent> events = new ArrayList<>();

        assertThatThrownBy(() -> {
            try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
                stream.stream().forEach(event -> events.add(accumulator.accumulate(event)));
            }
        }).isInstanceOfSatisfying(SseException.class, e ->
                assertThat(e.errorType()).contains(ErrorType.API_ERROR))
                .hasMessageContaining("upstream 'simulated' failed mid-stream: simulated upstream failure");

        assertThat(events).filteredOn(RawMessageStreamEvent::isMessageStart).hasSize(1);
        assertThat(events).noneMatch(RawMessageStreamEvent::isMessageStop);
        String id = events.get(0).asMessageStart().message().id();
        StringBuilder received = new StringBuilder();
        events.stream().filter(RawMessageStreamEvent::isContentBlockDelta)
                .forEach(e -> received.append(e.asContentBlockDelta().delta().asText().text()));
        assertThat(received).hasToString("1, 2");
        GenerationRecord record = gateway.generation(id);
        assertThat(record.outcome()).isEqualTo(Generation.Outcome.FAILED);
        assertThat(record.completionText()).isEqualTo("1, 2");
        assertThat(record.error()).contains("simulated upstream failure");
    }

    @Test
    void acceptsTheSdksBearerTokenAsWellAsItsApiKey() {
        AnthropicClient bearer = sdk(AnthropicOkHttpClient.builder().authToken(Gateway.KEY));
        AnthropicClient wrong = sdk(AnthropicOkHttpClient.builder().apiKey("ar-wrong"));
        try {
            assertThat(text(bearer.messages().create(ask("Count to 2").build()))).isEqualTo("1, 2");
            assertThatThrownBy(() -> wrong.messages().create(ask("hi").build()))
                    .isInstanceOfSatisfying(UnauthorizedException.class, e ->
                            assertThat(e.errorType()).contains(ErrorType.AUTHENTICATION_ERROR))
                    .hasMessageContaining("invalid API key");
        } finally {
            bearer.close();
            wrong.close();
        }
    }

    @Test
    void authenticatesRawRequestsByXApiKeyOrBearerOnTheMessagesRoute() throws Exception {
        String body = "{\"model\":\"" + model() + "\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Count to 2\"}]}";

        HttpResponse<String> byApiKey = post(Map.of("x-api-key", Gateway.KEY), body);
        HttpResponse<String> byBearer = post(Map.of("Authorization", Gateway.BEARER), body);
        HttpResponse<String> none = post(Map.of(), body);
        HttpResponse<String> wrong = post(Map.of("x-api-key", "ar-wrong"), body);

        assertThat(byApiKey.statusCode()).isEqualTo(200);
        assertThat(byApiKey.body()).contains("\"text\":\"1, 2\"").contains("\"type\":\"message\"");
        assertThat(byBearer.statusCode()).isEqualTo(200);
        assertThat(byBearer.body()).contains("\"text\":\"1, 2\"");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.body()).isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\","
                + "\"message\":\"missing API key (expected: x-api-key: ar-… or Authorization: Bearer ar-…)\"}}");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\","
                + "\"message\":\"invalid API key\"}}");
        assertThat(byApiKey.headers().firstValue("X-Generation-Id")).hasValueSatisfying(id ->
                assertThat(byApiKey.body()).contains("\"id\":\"" + id + "\""));
    }

    private static HttpResponse<String> post(Map<String, String> headers, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.uri() + "api/v1/messages"))
                .header("Content-Type", "application/json").header("anthropic-version", "2023-06-01")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
