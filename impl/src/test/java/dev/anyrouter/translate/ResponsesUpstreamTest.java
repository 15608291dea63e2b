package dev.anyrouter.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.Emitter;
import dev.anyrouter.api.spi.StreamCodec;
import dev.anyrouter.translate.SseTranscript.Event;
import dev.anyrouter.translate.SseTranscript.Recorder;
import dev.anyrouter.translate.StreamInvariants.End;
import dev.anyrouter.translate.responses.ChatToResponsesRequest;
import dev.anyrouter.translate.responses.ResponsesToChatChunks;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A chat-completions client on a provider that speaks the Responses API (docs/wire-format.md, "A Responses upstream
 * answering a chat-completions client"): recorded Responses streams ({@code streams/responses-to-openai/<case>
 * .upstream.sse}) must reach the client as {@code <case>.client.sse} and be accounted as the table says; whole
 * answers ({@code completions/responses-to-openai}) likewise; chat requests ({@code requests/chat-to-responses/
 * <case>.chat.json}) must reach the upstream as {@code <case>.responses.json}, and what the Responses API cannot
 * express is a 400 naming it.
 */
class ResponsesUpstreamTest {

    static Stream<Arguments> streams() {
        return Stream.of(
                Arguments.of("text", true, End.COMPLETE, "stop", 19L, 8L, "Hello! How can I help?"),
                Arguments.of("text-then-tools", true, End.COMPLETE, "tool_calls", 85L, 40L,
                        "Let me check both cities.{\"city\":\"Paris\"}{\"city\":\"Tokyo\"}"),
                Arguments.of("reasoning", false, End.COMPLETE, "stop", 14L, 120L, "**Multiplying 27 by 453**\n\n"
                        + "27 * 453 = 27 * 400 + 27 * 53.\n\n**Adding the parts**\n\n10,800 + 1,431 = 12,231."
                        + "27 * 453 = 12,231"),
                Arguments.of("refusal", false, End.COMPLETE, "stop", 21L, 9L, "I'm sorry, I can't help with that."),
                Arguments.of("max-tokens", true, End.COMPLETE, "length", 31L, 16L,
                        "Once upon a time, in a small village at the edge of a great forest"),
                Arguments.of("content-filter", false, End.COMPLETE, "content_filter", 52L, 2L, "I cannot"),
                Arguments.of("upstream-error", false, End.FAILED, null, null, null, "The answer"),
                Arguments.of("error-event", true, End.FAILED, null, null, null, ""),
                Arguments.of("cut-before-completed", true, End.CUT, null, null, null, "The answer is"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("streams")
    void responsesStreamReachesChatClientAsExpected(String name, boolean includeUsage, End end, String finish,
            Long prompt, Long completion, String text) throws IOException {
        Generation generation = Fixtures.generation(Fixtures.OPENAI, true);
        StreamCodec translation = new ResponsesToChatChunks(Fixtures.OPENAI, generation, includeUsage);
        String folder = "streams/responses-to-openai/" + name;
        Recorder client = new Recorder();

        End actual = feed(SseTranscript.parse(Fixtures.text(folder + ".upstream.sse")), translation, client);

        assertThat(actual).as("how the stream ended").isEqualTo(end);
        SseTranscript.assertSameEvents(client.events, SseTranscript.parse(Fixtures.text(folder + ".client.sse")));
        StreamInvariants.assertChatCompletions(client.events, end, includeUsage);
        GenerationRecord record = generation.end(Generation.Outcome.COMPLETED, null);
        assertThat(record.servedModel()).as("served model").isEqualTo(
                name.equals("reasoning") ? "o4-mini-2025-04-16" : "gpt-4o-2024-08-06");
        assertThat(record.completionText()).as("completion text").isEqualTo(text);
        assertThat(record.finishReason()).as("finish reason").isEqualTo(finish);
        if (prompt != null) {
            assertThat(record.promptTokens()).as("prompt tokens").isEqualTo(prompt);
            assertThat(record.completionTokens()).as("completion tokens").isEqualTo(completion);
            assertThat(record.tokensCounted()).as("counted").isFalse();
        }
    }

    @Test
    void accountsOnlyWhatReachedTheClient() throws IOException {
        Generation generation = Fixtures.generation(Fixtures.OPENAI, true);
        StreamCodec translation = new ResponsesToChatChunks(Fixtures.OPENAI, generation, false);
        int[] sent = {0};
        Emitter leaving = (name, data) -> ++sent[0] <= 3; // the role chunk, "Hello" and "!"

        for (Event event : SseTranscript.parse(Fixtures.text("streams/responses-to-openai/text.upstream.sse"))) {
            translation.event(event.name(), event.data(), leaving);
        }

        assertThat(generation.end(Generation.Outcome.CANCELLED, null).completionText()).isEqualTo("Hello!");
    }

    static Stream<Arguments> completions() {
        return Stream.of(
                Arguments.of("text", "stop", 2125L, 8L, "Hello! How can I help?"),
                Arguments.of("reasoning-text-tools", "tool_calls", 472L, 89L, "Let me check both cities.**Checking "
                        + "two cities**\n\nThe user wants Paris and Tokyo.\n\n**Calling the tool twice**"
                        + "{\"city\":\"Paris\"}{\"city\":\"Tokyo\",\"unit\":\"celsius\"}"),
                Arguments.of("max-tokens", "length", 31L, 16L, "Once upon a time there was"),
                Arguments.of("refusal", "stop", 21L, 9L, "I'm sorry, I can't help with that."));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("completions")
    void wholeResponseReachesChatClientAsExpected(String name, String finish, long prompt, long completion,
            String text) throws IOException {
        Generation generation = Fixtures.generation(Fixtures.OPENAI, false);
        String path = "completions/responses-to-openai/" + name;

        ObjectNode client = (ObjectNode) SseTranscript.json(new ResponsesToChatChunks(Fixtures.OPENAI, generation,
                false).completion(Fixtures.text(path + ".upstream.json")));

        assertThat(client).isEqualTo(Fixtures.json(path + ".client.json"));
        GenerationRecord record = generation.end(Generation.Outcome.COMPLETED, null);
        assertThat(record.completionText()).as("completion text").isEqualTo(text);
        assertThat(record.finishReason()).as("finish reason").isEqualTo(finish);
        assertThat(record.promptTokens()).as("prompt tokens").isEqualTo(prompt);
        assertThat(record.completionTokens()).as("completion tokens").isEqualTo(completion);
    }

    @Test
    void aFailedWholeResponseIsA502() {
        StreamCodec translation = new ResponsesToChatChunks(Fixtures.OPENAI, Fixtures.generation(Fixtures.OPENAI,
                false), false);
        String failed = """
                {"id":"resp_0a1b","object":"response","created_at":1760000000,"status":"failed","model":"gpt-4o",
                 "output":[],"error":{"code":"server_error","message":"The model had an error"},"usage":null}""";

        assertThatThrownBy(() -> translation.completion(failed)).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.status()).isEqualTo(502);
            assertThat(e.getMessage()).isEqualTo("upstream 'openai' failed: The model had an error");
        });
    }

    static List<String> requestCases() {
        return Fixtures.cases("requests/chat-to-responses", ".chat.json");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requestCases")
    void chatRequestReachesResponsesUpstreamAsExpected(String name) {
        ObjectNode chat = (ObjectNode) Fixtures.json("requests/chat-to-responses/" + name + ".chat.json");

        JsonNode upstream = ChatToResponsesRequest.translate(chat, Fixtures.OPENAI);

        assertThat(upstream).isEqualTo(Fixtures.json("requests/chat-to-responses/" + name + ".responses.json"));
        assertThat(requestCases()).isEqualTo(Fixtures.cases("requests/chat-to-responses", ".responses.json"));
    }

    static Stream<Arguments> chatRequestsResponsesCannotTake() {
        String user = "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]";
        return Stream.of(
                Arguments.of("{" + user + ",\"n\":2}", "n: 2"),
                Arguments.of("{" + user + ",\"stop\":[\"END\"]}", "stop: [\"END\"]"),
                Arguments.of("{" + user + ",\"logprobs\":true,\"top_logprobs\":2}", "logprobs: true"),
                Arguments.of("{" + user + ",\"modalities\":[\"text\",\"audio\"]}", "modalities: [\"text\",\"audio\"]"),
                Arguments.of("{" + user + ",\"audio\":{\"voice\":\"alloy\",\"format\":\"wav\"}}", "audio: "),
                Arguments.of("{" + user + ",\"seed\":7}", "seed: 7"),
                Arguments.of("{" + user + ",\"frequency_penalty\":0.5}", "frequency_penalty: 0.5"),
                Arguments.of("{" + user + ",\"reasoning\":{\"max_tokens\":2000}}", "reasoning.max_tokens"),
                Arguments.of("{" + user + ",\"tools\":[{\"type\":\"custom\",\"custom\":{\"name\":\"sql\"}}]}",
                        "tools[0]: type 'custom'"),
                Arguments.of("{" + user + ",\"tool_choice\":{\"type\":\"allowed_tools\"}}", "tool_choice: "),
                Arguments.of("{" + user + ",\"response_format\":{\"type\":\"grammar\"}}", "response_format: a 'grammar'"),
                Arguments.of("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\","
                        + "\"input_audio\":{\"data\":\"UklGRg==\",\"format\":\"wav\"}}]}]}",
                        "messages[0].content[0]: a 'input_audio' part"),
                Arguments.of("{\"messages\":[{\"role\":\"system\",\"content\":[{\"type\":\"image_url\","
                        + "\"image_url\":{\"url\":\"https://example.com/a.png\"}}]}]}",
                        "messages[0].content[0]: a 'image_url' part where only text fits"),
                Arguments.of("{\"messages\":[{\"role\":\"function\",\"name\":\"f\",\"content\":\"1\"}]}",
                        "messages[0].role: 'function'"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("chatRequestsResponsesCannotTake")
    void whatTheResponsesApiCannotExpressIsA400NamingIt(String body, String named) {
        assertThatThrownBy(() -> ChatToResponsesRequest.translate(Fixtures.object(body), Fixtures.OPENAI))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).startsWith("cannot send to a Responses API model: " + named);
                });
    }

    /** Relays the upstream's events as the relay does, then its body's end if they did not end the stream. */
    private static End feed(List<Event> upstream, StreamCodec translation, Recorder client) throws IOException {
        for (int i = 0; i < upstream.size(); i++) {
            Event event = upstream.get(i);
            boolean last = i == upstream.size() - 1;
            try {
                if (translation.event(event.name(), event.data(), client)) {
                    assertThat(last).as("completed on upstream event %d of %d", i + 1, upstream.size()).isTrue();
                    assertThat(translation.end(client)).as("end() after the last event").isTrue();
                    return End.COMPLETE;
                }
            } catch (GatewayException failure) {
                assertThat(last).as("failed on upstream event %d of %d", i + 1, upstream.size()).isTrue();
                assertThat(failure.status()).isEqualTo(502);
                translation.fail(failure, client);
                return End.FAILED;
            }
        }
        int sent = client.events.size();
        assertThat(translation.end(client)).as("end() of a cut-off answer").isFalse();
        assertThat(client.events).as("end() of a cut-off answer sends nothing").hasSize(sent);
        return End.CUT;
    }
}
