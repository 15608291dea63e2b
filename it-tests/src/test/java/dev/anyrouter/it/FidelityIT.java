package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.StructuredChatCompletion;
import com.openai.models.chat.completions.StructuredChatCompletionCreateParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What real client features become on the way upstream, through the official OpenAI SDK and a scripted upstream
 * that records what it received: prompt-caching breakpoints, structured output, the headers an upstream may see,
 * and OpenRouter's own fields (docs/api.md).
 */
class FidelityIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CLAUDE = "anthropic/claude-test";
    private static final String GPT = "openai/gpt-test";
    private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private static final String ANSWER = "{\"id\":\"msg_up\",\"type\":\"message\",\"role\":\"assistant\",\"model\":"
            + "\"claude-test\",\"content\":[%s],\"stop_reason\":\"%s\",\"stop_sequence\":null,"
            + "\"usage\":{\"input_tokens\":12,\"output_tokens\":9}}";

    private ScriptedUpstream upstream;
    private Gateway gateway;
    private OpenAIClient client;

    /** The answer structured output asks for; public, for the SDK's schema and parser. */
    public static class Place {
        public String city;
        public String country;
    }

    @BeforeEach
    void start() throws Exception {
        upstream = new ScriptedUpstream();
        gateway = Gateway.against(upstream.baseUri(), "ANTHROPIC_BASE_URL", upstream.root().toString(),
                "ANTHROPIC_API_KEY", Gateway.UPSTREAM_KEY);
        client = OpenAIOkHttpClient.builder().apiKey(Gateway.KEY).baseUrl(gateway.uri() + "api/v1").maxRetries(0)
                .build();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        gateway.close();
        upstream.close();
    }

    @Test
    void cacheControlOnContentPartsReachesTheAnthropicBlocks() throws Exception {
        upstream.script(x -> x.json(200, ANSWER.formatted("{\"type\":\"text\",\"text\":\"Page 3.\"}", "end_turn")));
        JsonValue breakpoint = JsonValue.from(Map.of("type", "ephemeral"));

        ChatCompletion answer = client.chat().completions().create(ChatCompletionCreateParams.builder().model(CLAUDE)
                .addSystemMessage("You answer from the handbook.")
                .addUserMessageOfArrayOfContentParts(List.of(
                        ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text("HANDBOOK …")
                                .putAdditionalProperty("cache_control", breakpoint).build()),
                        ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder()
                                .text("Where is the answer?").build())))
                .build());

        assertThat(answer.choices().get(0).message().content()).contains("Page 3.");
        JsonNode sent = JSON.readTree(upstream.next().body);
        assertThat(sent.path("messages")).isEqualTo(JSON.readTree("[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"HANDBOOK …\",\"cache_control\":{\"type\":\"ephemeral\"}},"
                + "{\"type\":\"text\",\"text\":\"Where is the answer?\"}]}]"));
    }

    @Test
    void structuredOutputComesBackAsTheParsedAnswer() throws Exception {
        upstream.script(x -> x.json(200, ANSWER.formatted("{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":"
                + "\"Place\",\"input\":{\"city\":\"Paris\",\"country\":\"France\"}}", "tool_use")));

        StructuredChatCompletion<Place> answer = client.chat().completions().create(
                StructuredChatCompletionCreateParams.<Place>builder().model(CLAUDE)
                        .addUserMessage("Name a city.").responseFormat(Place.class).build());

        Place place = answer.choices().get(0).message().content().orElseThrow();
        assertThat(place.city).isEqualTo("Paris");
        assertThat(place.country).isEqualTo("France");
        assertThat(answer.choices().get(0).finishReason().asString()).isEqualTo("stop");
        assertThat(answer.choices().get(0).message().toolCalls().orElse(List.of())).isEmpty();
        JsonNode sent = JSON.readTree(upstream.next().body);
        String tool = sent.path("tool_choice").path("name").asText();
        assertThat(sent.path("tool_choice").path("type").asText()).isEqualTo("tool");
        assertThat(sent.path("tools")).hasSize(1);
        assertThat(sent.path("tools").get(0).path("name").asText()).isEqualTo(tool);
        assertThat(sent.path("tools").get(0).path("input_schema").path("properties").has("city")).isTrue();
        assertThat(gateway.generation(answer.id()).completionText())
                .isEqualTo("{\"city\":\"Paris\",\"country\":\"France\"}");
    }

    @Test
    void streamedStructuredOutputArrivesAsContent() throws Exception {
        upstream.script(x -> x.sseHead()
                .event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_up\",\"type\":"
                        + "\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-test\",\"usage\":"
                        + "{\"input_tokens\":12,\"output_tokens\":1}}}")
                .event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
                        + "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"json_answer\",\"input\":{}}}")
                .event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                        + "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \"}}")
                .event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                        + "{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"Paris\\\"}\"}}")
                .event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")
                .event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},"
                        + "\"usage\":{\"output_tokens\":9}}")
                .event("message_stop", "{\"type\":\"message_stop\"}").end());
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();

        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model(CLAUDE).addUserMessage("A city, as JSON.")
                        .responseFormat(com.openai.models.ResponseFormatJsonObject.builder().build()).build())) {
            stream.stream().forEach(accumulator::accumulate);
        }

        ChatCompletion answer = accumulator.chatCompletion();
        assertThat(answer.choices().get(0).message().content()).contains("{\"city\": \"Paris\"}");
        assertThat(answer.choices().get(0).finishReason().asString()).isEqualTo("stop");
        assertThat(answer.choices().get(0).message().toolCalls().orElse(List.of())).isEmpty();
        assertThat(gateway.generation(answer.id()).completionText()).isEqualTo("{\"city\": \"Paris\"}");
    }

    @Test
    void forwardsTraceHeadersToEveryUpstreamAndAnthropicBetaOnlyToAnthropic() throws Exception {
        upstream.script(x -> x.json(200, ANSWER.formatted("{\"type\":\"text\",\"text\":\"Hi\"}", "end_turn")));
        client.chat().completions().create(withHeaders(CLAUDE));
        ScriptedUpstream.Exchange anthropic = upstream.next();

        upstream.script(x -> x.json(200, "{\"id\":\"up\",\"object\":\"chat.completion\",\"created\":1,\"model\":"
                + "\"gpt-test\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}"));
        client.chat().completions().create(withHeaders(GPT));
        ScriptedUpstream.Exchange openAi = upstream.next();

        assertThat(anthropic.headers).containsEntry("traceparent", TRACEPARENT).containsEntry("x-request-id", "req-7")
                .containsEntry("anthropic-beta", "prompt-caching-2024-07-31")
                .containsEntry("x-api-key", Gateway.UPSTREAM_KEY).doesNotContainKeys("authorization", "x-team");
        assertThat(openAi.headers).containsEntry("traceparent", TRACEPARENT).containsEntry("x-request-id", "req-7")
                .containsEntry("authorization", "Bearer " + Gateway.UPSTREAM_KEY)
                .doesNotContainKeys("anthropic-beta", "x-team");
        assertThat(anthropic.rawHead + openAi.rawHead).doesNotContain(Gateway.KEY);
    }

    @Test
    void refusesAHeaderValueItWouldNotSendOnWithA400() {
        assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder().model(CLAUDE)
                .addUserMessage("Hi").putAdditionalHeader("anthropic-beta", "beta; x-api-key=stolen").build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.getMessage())
                        .contains("anthropic-beta header"));
        assertThat(upstream.idle()).isTrue();
    }

    @Test
    void openRouterFieldsNeverReachTheUpstreamAndUsageIncludeGivesTheUsageChunk() throws Exception {
        upstream.script(x -> x.sseHead()
                .data("{\"id\":\"up\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-test\","
                        + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"},"
                        + "\"finish_reason\":\"stop\"}]}")
                .data("{\"id\":\"up\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-test\","
                        + "\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}")
                .data("[DONE]").end());
        List<ChatCompletionChunk> chunks = new ArrayList<>();

        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                openRouterFields(ChatCompletionCreateParams.builder().model(GPT).addUserMessage("Hi")).build())) {
            stream.stream().forEach(chunks::add);
        }

        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.choices()).isEmpty();
        assertThat(last.usage().orElseThrow().totalTokens()).isEqualTo(4);
        JsonNode sent = JSON.readTree(upstream.next().body);
        assertThat(sent.has("provider") || sent.has("transforms") || sent.has("route") || sent.has("usage")
                || sent.has("models")).as("OpenRouter's fields upstream: %s", sent).isFalse();

        upstream.script(x -> x.json(200, ANSWER.formatted("{\"type\":\"text\",\"text\":\"Hi\"}", "end_turn")));
        client.chat().completions().create(openRouterFields(ChatCompletionCreateParams.builder().model(CLAUDE)
                .addUserMessage("Hi")).build());
        JsonNode toAnthropic = JSON.readTree(upstream.next().body);
        assertThat(toAnthropic.has("provider") || toAnthropic.has("usage")).as("%s", toAnthropic).isFalse();
    }

    @Test
    void refusesAnOpenRouterFieldOfTheWrongShapeWithA400() {
        assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder().model(GPT)
                .addUserMessage("Hi").putAdditionalBodyProperty("usage", JsonValue.from(true)).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.getMessage())
                        .contains("usage: true (expected: an object"));
        assertThat(upstream.idle()).isTrue();
    }

    private static ChatCompletionCreateParams withHeaders(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("Hi")
                .putAdditionalHeader("traceparent", TRACEPARENT).putAdditionalHeader("X-Request-Id", "req-7")
                .putAdditionalHeader("anthropic-beta", "prompt-caching-2024-07-31")
                .putAdditionalHeader("X-Team", "not-forwarded").build();
    }

    private static ChatCompletionCreateParams.Builder openRouterFields(ChatCompletionCreateParams.Builder params) {
        return params.putAdditionalBodyProperty("models", JsonValue.from(List.of(GPT)))
                .putAdditionalBodyProperty("provider", JsonValue.from(Map.of("order", List.of("openai"))))
                .putAdditionalBodyProperty("transforms", JsonValue.from(List.of("middle-out")))
                .putAdditionalBodyProperty("route", JsonValue.from("fallback"))
                .putAdditionalBodyProperty("usage", JsonValue.from(Map.of("include", true)));
    }
}
