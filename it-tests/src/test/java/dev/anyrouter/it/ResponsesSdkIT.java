package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.responses.EasyInputMessage;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseOutputText;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.ResponseUsage;
import dev.anyrouter.accounting.GenerationRecord;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The official OpenAI SDK's Responses API, changed only in its base URL, against the offline default: a
 * chat-completions model ({@code openai/…}) and a Messages model ({@code anthropic/…}), both translated through
 * chat completions by the gateway. Each answer is also a ledger row.
 */
class ResponsesSdkIT {

    private static Gateway gateway;
    private OpenAIClient client;

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
        client = OpenAIOkHttpClient.builder().apiKey(Gateway.KEY).baseUrl(gateway.uri() + "api/v1").maxRetries(0)
                .build();
    }

    @AfterEach
    void disconnect() {
        client.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"openai/gpt-4o", "anthropic/claude-sonnet-4"})
    void streamsWhatTheAccumulatorJoins(String model) {
        ResponseAccumulator accumulator = ResponseAccumulator.create();
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(
                ResponseCreateParams.builder().model(model).input("Count to 4").build())) {
            stream.stream().forEach(accumulator::accumulate);
        }

        Response response = accumulator.response();
        assertThat(response.id()).startsWith("gen-");
        assertThat(response.status()).contains(ResponseStatus.COMPLETED);
        assertThat(text(response)).isEqualTo("1, 2, 3, 4");
        ResponseUsage usage = response.usage().orElseThrow();
        GenerationRecord record = gateway.generation(response.id());
        assertThat(record.streamed()).isTrue();
        assertThat(record.model()).isEqualTo(model);
        assertThat(record.completionText()).isEqualTo("1, 2, 3, 4");
        assertThat(record.promptTokens()).isEqualTo(usage.inputTokens());
        assertThat(record.completionTokens()).isEqualTo(usage.outputTokens());
        assertThat(usage.totalTokens()).isEqualTo(usage.inputTokens() + usage.outputTokens());
        assertThat(new BigDecimal(usage._additionalProperties().get("cost").toString()))
                .isEqualByComparingTo(record.cost());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"openai/gpt-4o", "anthropic/claude-sonnet-4"})
    void answersWithoutStreaming(String model) {
        Response response = client.responses().create(ResponseCreateParams.builder().model(model)
                .instructions("Answer briefly.").input("Count to 3").build());

        assertThat(response.id()).startsWith("gen-");
        assertThat(response.status()).contains(ResponseStatus.COMPLETED);
        assertThat(text(response)).isEqualTo("1, 2, 3");
        assertThat(response.instructions()).isPresent();
        assertThat(response._additionalProperties().get("output_text").asString()).contains("1, 2, 3");
        GenerationRecord record = gateway.generation(response.id());
        assertThat(record.streamed()).isFalse();
        assertThat(record.completionText()).isEqualTo("1, 2, 3");
        assertThat(record.completionTokens()).isEqualTo(response.usage().orElseThrow().outputTokens());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"openai/gpt-4o", "anthropic/claude-sonnet-4"})
    void callsAFunctionAndTakesItsOutputBack(String model) {
        FunctionTool weather = FunctionTool.builder().name("get_weather").strict(false)
                .parameters(FunctionTool.Parameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .putAdditionalProperty("required", JsonValue.from(List.of("city")))
                        .build())
                .build();
        ResponseInputItem question = ResponseInputItem.ofEasyInputMessage(EasyInputMessage.builder()
                .role(EasyInputMessage.Role.USER).content("Count to 2, then the weather in Paris").build());
        ResponseAccumulator accumulator = ResponseAccumulator.create();
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(
                ResponseCreateParams.builder().model(model).inputOfResponse(List.of(question)).addTool(weather)
                        .build())) {
            stream.stream().forEach(accumulator::accumulate);
        }
        ResponseFunctionToolCall call = accumulator.response().output().stream()
                .flatMap(item -> item.functionCall().stream()).findFirst().orElseThrow();
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(call.arguments()).isEqualTo("{\"city\":\"simulated\"}");
        assertThat(gateway.generation(accumulator.response().id()).finishReason()).isEqualTo("tool_calls");

        Response answer = client.responses().create(ResponseCreateParams.builder().model(model).addTool(weather)
                .inputOfResponse(List.of(question, ResponseInputItem.ofFunctionCall(call),
                        ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                                .callId(call.callId()).output("{\"celsius\": 21}").build())))
                .build());

        // The simulated upstream calls a tool again unless the last turn hands back a tool's result.
        assertThat(answer.output()).noneMatch(ResponseOutputItem::isFunctionCall);
        assertThat(answer.status()).contains(ResponseStatus.COMPLETED);
        assertThat(text(answer)).isNotEmpty();
        assertThat(gateway.generation(answer.id()).finishReason()).isEqualTo("stop");
    }

    /** The text of a response's messages. */
    private static String text(Response response) {
        return response.output().stream().flatMap(item -> item.message().stream())
                .flatMap(message -> message.content().stream()).flatMap(content -> content.outputText().stream())
                .map(ResponseOutputText::text).collect(Collectors.joining());
    }
}
