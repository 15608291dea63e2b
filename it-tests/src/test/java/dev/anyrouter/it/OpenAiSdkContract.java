package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.helpers.ResponseAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the official OpenAI Java SDK, changed only in its base URL, must see from AnyRouter on its offline
 * default: run against the embedded server ({@link OpenAiSdkIT}) and the WAR in a container ({@link WarOnJettyIT}).
 */
abstract class OpenAiSdkContract {

    OpenAIClient client;

    /** {@code http://host:port/context/api/v1}. */
    abstract String baseUrl();

    @BeforeEach
    void connect() {
        client = sdk(Gateway.KEY);
    }

    @AfterEach
    void disconnect() {
        client.close();
    }

    OpenAIClient sdk(String key) {
        return OpenAIOkHttpClient.builder().apiKey(key).baseUrl(baseUrl()).maxRetries(0).build();
    }

    /** The model asked: an OpenAI-compatible one by default, answered without translation. */
    String model() {
        return "openai/gpt-4-turbo";
    }

    ChatCompletionCreateParams.Builder ask(String prompt) {
        return ChatCompletionCreateParams.builder().model(model()).addUserMessage(prompt);
    }

    @Test
    void streamsCountToTenOneNumberPerChunk() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions()
                .createStreaming(ask("Count to 10").build())) {
            stream.stream().forEach(chunks::add);
        }

        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.choices().forEach(choice -> choice.delta().content().ifPresent(text::append)));
        assertThat(text).hasToString("1, 2, 3, 4, 5, 6, 7, 8, 9, 10");
        assertThat(chunks.get(0).choices().get(0).delta().role()).isPresent();
        assertThat(chunks.subList(1, chunks.size())).allSatisfy(c ->
                assertThat(c.choices().get(0).delta().role()).isEmpty());
        assertThat(chunks).extracting(ChatCompletionChunk::id).containsOnly(chunks.get(0).id());
        assertThat(chunks.get(0).id()).startsWith("gen-");
        assertThat(chunks).filteredOn(c -> c.choices().get(0).finishReason().isPresent()).hasSize(1);
        assertThat(chunks.get(chunks.size() - 1).choices().get(0).finishReason().orElseThrow())
                .isEqualTo(ChatCompletionChunk.Choice.FinishReason.STOP);
    }

    @Test
    void answersWithoutStreaming() {
        ChatCompletion completion = client.chat().completions().create(ask("Count to 3").build());

        assertThat(completion.id()).startsWith("gen-");
        assertThat(completion.choices().get(0).message().content()).contains("1, 2, 3");
        assertThat(completion.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(completion.usage().orElseThrow().completionTokens()).isPositive();
    }

    @Test
    void streamsToolCallsThatTheAccumulatorJoins() {
        ChatCompletionCreateParams params = ask("What is the weather in Paris?")
                .addFunctionTool(FunctionDefinition.builder().name("get_weather")
                        .parameters(FunctionParameters.builder()
                                .putAdditionalProperty("type", JsonValue.from("object"))
                                .putAdditionalProperty("properties", JsonValue.from(Map.of(
                                        "city", Map.of("type", "string"), "days", Map.of("type", "integer"))))
                                .putAdditionalProperty("required", JsonValue.from(List.of("city", "days")))
                                .build())
                        .build())
                .build();
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(accumulator::accumulate);
        }

        ChatCompletion completion = accumulator.chatCompletion();
        ChatCompletionMessageFunctionToolCall call = completion.choices().get(0).message().toolCalls().orElseThrow()
                .get(0).asFunction();
        assertThat(call.function().name()).isEqualTo("get_weather");
        assertThat(call.function().arguments()).isEqualTo("{\"city\":\"simulated\",\"days\":1}");
        assertThat(completion.choices().get(0).finishReason())
                .isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    }

    @Test
    void honoursIncludeUsage() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ask("Count to 4").streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                        .build())) {
            stream.stream().forEach(chunks::add);
        }

        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.choices()).isEmpty();
        assertThat(last.usage().orElseThrow().promptTokens()).isPositive();
        assertThat(last.usage().orElseThrow().completionTokens()).isPositive();
        assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy(c -> assertThat(c.usage()).isEmpty());
    }

    @Test
    void surfacesGatewayErrorsAsTheSdkExceptions() {
        OpenAIClient wrongKey = sdk("ar-wrong");
        try {
            assertThatThrownBy(() -> wrongKey.chat().completions().create(ask("hi").build()))
                    .isInstanceOf(UnauthorizedException.class).hasMessageContaining("invalid API key");
        } finally {
            wrongKey.close();
        }
        assertThatThrownBy(() -> client.chat().completions().create(ask("hi")
                .putAdditionalBodyProperty("simulation", JsonValue.from(Map.of("fail_status", 429))).build()))
                .isInstanceOf(RateLimitException.class);
        assertThatThrownBy(() -> client.chat().completions().create(ask("hi")
                .putAdditionalBodyProperty("simulation", JsonValue.from(Map.of("fail_status", 404))).build()))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void failsTheSdkStreamWhenTheUpstreamFailsMidStream() {
        List<String> received = new ArrayList<>();
        ChatCompletionCreateParams params = ask("Count to 50").putAdditionalBodyProperty("simulation",
                JsonValue.from(Map.of("fail_after", 3))).build();

        assertThatThrownBy(() -> {
            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
                stream.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(received::add)));
            }
        }).hasMessageContaining("simulated upstream failure");
        assertThat(String.join("", received)).startsWith("1, 2, 3");
    }

    @Test
    void streamsTheResponsesApiAndEndsAFailedOneWithResponseFailed() {
        ResponseAccumulator accumulator = ResponseAccumulator.create();
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(
                ResponseCreateParams.builder().model(model()).input("Count to 5").build())) {
            stream.stream().forEach(accumulator::accumulate);
        }
        Response response = accumulator.response();
        assertThat(response.id()).startsWith("gen-");
        assertThat(response.output().get(0).asMessage().content().get(0).asOutputText().text())
                .isEqualTo("1, 2, 3, 4, 5");

        List<ResponseStreamEvent> events = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(
                ResponseCreateParams.builder().model(model()).input("Count to 50").putAdditionalBodyProperty(
                        "simulation", JsonValue.from(Map.of("fail_after", 3))).build())) {
            stream.stream().forEach(events::add);
        }
        assertThat(events.get(events.size() - 1).isFailed()).as("the last event").isTrue();
        assertThat(events).noneMatch(ResponseStreamEvent::isCompleted);
        assertThat(events.get(events.size() - 1).failed().orElseThrow().response().error().orElseThrow().message())
                .contains("simulated upstream failure");
    }
}
