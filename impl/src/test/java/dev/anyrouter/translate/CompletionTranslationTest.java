package dev.anyrouter.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.api.spi.StreamCodec;
import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Whole (non-streamed) answers across the two APIs: {@code completions/<direction>/<case>.upstream.json} must reach
 * the client as {@code <case>.client.json}, with the generation id as its id, and be accounted as the table says.
 */
class CompletionTranslationTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # case                | finish         | prompt | completion | completion text
              text                | stop           | 2125   | 8          | Hello! How can I help?
              thinking-text-tools | tool_calls     | 472    | 89         | Let me check both cities.The user wants two cities.{"city":"Paris"}{"city":"Tokyo","unit":"celsius"}
              tools-only          | tool_calls     | 300    | 20         | {}
              max-tokens          | length         | 31     | 5          | Once upon a time there was
              stop-sequence       | stop           | 18     | 9          | '1, 2, 3, 4, '
              refusal             | content_filter | 52     | 7          | I cannot help with that.
            """)
    void anthropicAnswerToChatClient(String name, String finish, long prompt, long completion, String text)
            throws IOException {
        Generation generation = Fixtures.generation(Fixtures.ANTHROPIC, false);
        StreamCodec translation = Fixtures.codec(ClientApi.CHAT_COMPLETIONS, Fixtures.ANTHROPIC, generation, false);

        assertTranslated(translation, "completions/anthropic-to-openai/" + name);
        assertAccounted(generation, text, finish, prompt, completion);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # case           | finish     | prompt | completion | completion text
              text           | end_turn   | 19     | 8          | Hello! How can I help?
              text-tools     | tool_use   | 85     | 40         | Let me check both cities.{"city": "Paris"}{"city":"Tokyo","unit":"celsius"}
              tools-only     | tool_use   | 60     | 12         | {}
              reasoning      | end_turn   | 14     | 120        | Let me solve this step by step.27 * 453 = 12,231
              length         | max_tokens | 31     | 5          | Once upon a time there was
              content-filter | refusal    | 52     | 2          | I cannot
            """)
    void openAiAnswerToMessagesClient(String name, String finish, long prompt, long completion, String text)
            throws IOException {
        Generation generation = Fixtures.generation(Fixtures.OPENAI, false);
        StreamCodec translation = Fixtures.codec(ClientApi.MESSAGES, Fixtures.OPENAI, generation, false);

        assertTranslated(translation, "completions/openai-to-anthropic/" + name);
        assertAccounted(generation, text, finish, prompt, completion);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"end_turn, stop", "stop_sequence, stop", "pause_turn, stop", "max_tokens, length",
            "model_context_window_exceeded, length", "tool_use, tool_calls", "refusal, content_filter"})
    void anthropicStopReasonBecomesOpenAiFinishReason(String stopReason, String finishReason) {
        assertThat(StopReasons.finishReason(stopReason)).isEqualTo(finishReason);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"stop, end_turn", "length, max_tokens", "tool_calls, tool_use", "function_call, tool_use",
            "content_filter, refusal"})
    void openAiFinishReasonBecomesAnthropicStopReason(String finishReason, String stopReason) {
        assertThat(StopReasons.stopReason(finishReason, false)).isEqualTo(stopReason);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            anthropic | {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}              | 503 | upstream 'anthropic' failed: Overloaded
            anthropic | {"type":"error","error":{"type":"api_error","message":"Internal"}}                      | 502 | upstream 'anthropic' failed: Internal
            openai    | {"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}} | 502 | upstream 'openai' failed: The server had an error
            """)
    void anUpstreamErrorAnswerIsA502Or503WhenOverloaded(String upstream, String body, int status, String message) {
        StreamCodec translation = upstream.equals("anthropic")
                ? Fixtures.codec(ClientApi.CHAT_COMPLETIONS, Fixtures.ANTHROPIC, Fixtures.generation(Fixtures.ANTHROPIC, false), false)
                : Fixtures.codec(ClientApi.MESSAGES, Fixtures.OPENAI, Fixtures.generation(Fixtures.OPENAI, false), false);

        assertThatThrownBy(() -> translation.completion(body)).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.status()).isEqualTo(status);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    private static void assertTranslated(StreamCodec translation, String path) throws IOException {
        JsonNode client = SseTranscript.json(translation.completion(Fixtures.text(path + ".upstream.json")));

        assertThat(client).as("client answer is JSON").isNotNull();
        assertThat(client.path("id").asText()).isEqualTo(Fixtures.GENERATION_ID);
        if (client.has("created")) {
            assertThat(client.get("created").isIntegralNumber()).as("created is a number").isTrue();
            ((ObjectNode) client).put("created", 0);
        }
        JsonNode expected = Fixtures.json(path + ".client.json");
        if (expected.has("created")) {
            ((ObjectNode) expected).put("created", 0);
        }
        assertThat(client).isEqualTo(expected);
    }

    private static void assertAccounted(Generation generation, String text, String finish, long prompt,
            long completion) {
        GenerationRecord record = generation.end(Generation.Outcome.COMPLETED, null);
        assertThat(record.completionText()).as("completion text").isEqualTo(text);
        assertThat(record.finishReason()).as("finish reason").isEqualTo(finish);
        assertThat(record.promptTokens()).as("prompt tokens").isEqualTo(prompt);
        assertThat(record.completionTokens()).as("completion tokens").isEqualTo(completion);
    }
}
