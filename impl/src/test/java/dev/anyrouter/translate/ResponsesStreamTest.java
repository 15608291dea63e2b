package dev.anyrouter.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.api.spi.Emitter;
import dev.anyrouter.api.spi.StreamCodec;
import dev.anyrouter.routing.Route;
import dev.anyrouter.translate.SseTranscript.Event;
import dev.anyrouter.translate.SseTranscript.Recorder;
import dev.anyrouter.translate.StreamInvariants.End;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Recorded upstream streams translated for a Responses client, compared event by event with the expected stream
 * ({@code streams/<upstream>-to-responses/<case>.client.sse}), plus what the generation accounts. The upstream
 * transcripts are those of the other translations where one fits; the chat-completions upstream is a compatible
 * server, since OpenAI's own API takes Responses requests as they are ({@link ResponsesPassThroughTest}). Spec: docs/wire-format.md, "Responses and chat
 * completions".
 */
class ResponsesStreamTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # case                   | upstream folder     | end      | finish         | prompt | completion | completion text
              text                   | openai-to-anthropic | COMPLETE | stop           | 19     | 8          | Hello! How can I help?
              text-then-tools        | openai-to-anthropic | COMPLETE | tool_calls     | 85     | 40         | Let me check both cities.{"city": "Paris"}{"city": "Tokyo"}
              thinking               | openai-to-anthropic | COMPLETE | stop           | 14     | 120        | Let me solve this step by step: 27 * 453 = 27 * 400 + 27 * 53.27 * 453 = 12,231
              max-tokens             | openai-to-anthropic | COMPLETE | length         | 31     | 5          | Once upon a time there was
              content-filter         | openai-to-anthropic | COMPLETE | content_filter | 52     | 2          | I cannot
              refusal                | openai-to-responses | COMPLETE | stop           | 21     | 9          | I'm sorry, I can't help with that.
              upstream-error         | openai-to-anthropic | FAILED   | -              | -      | -          | The answer
              cut-after-stop-reason  | openai-to-anthropic | COMPLETE | stop           | 19     | 3          | Done.
              cut-before-stop-reason | openai-to-anthropic | CUT      | -              | -      | -          | The answer is
            """)
    void chatUpstream(String name, String folder, End end, String finish, Long prompt, Long completion, String text)
            throws IOException {
        assertTranslated(Fixtures.COMPATIBLE, folder, "openai-to-responses", name, end, finish, prompt, completion, text);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # case                   | end      | finish         | prompt | completion | completion text
              text                   | COMPLETE | stop           | 25     | 8          | Hello! How can I help?
              text-then-tools        | COMPLETE | tool_calls     | 3544   | 89         | Let me check both cities.{"city": "Paris"}{"city": "Tokyo"}
              thinking               | COMPLETE | stop           | 40     | 120        | Let me solve this step by step: 27 * 453 = 27 * 400 + 27 * 53.27 * 453 = 12,231
              max-tokens             | COMPLETE | length         | 31     | 5          | Once upon a time there was
              refusal                | COMPLETE | content_filter | 52     | 7          | I cannot help with that.
              upstream-error         | FAILED   | -              | 25     | -          | The answer
              cut-after-stop-reason  | COMPLETE | stop           | 25     | 3          | Done.
              cut-before-stop-reason | CUT      | -              | 25     | -          | The answer is
            """)
    void messagesUpstream(String name, End end, String finish, Long prompt, Long completion, String text)
            throws IOException {
        assertTranslated(Fixtures.ANTHROPIC, "anthropic-to-openai", "anthropic-to-responses", name, end, finish,
                prompt, completion, text);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # upstream folder   | events the client takes | text it got
            openai-to-anthropic | 5                       | Hello
            anthropic-to-openai | 5                       | Hello
            """)
    void accountsOnlyWhatReachedTheClient(String folder, int taken, String text) throws IOException {
        Route route = folder.startsWith("openai") ? Fixtures.COMPATIBLE : Fixtures.ANTHROPIC;
        Generation generation = Fixtures.generation(route, true);
        StreamCodec translation = Fixtures.codec(ClientApi.RESPONSES, route, generation, true);
        int[] sent = {0};
        Emitter leaving = (name, data) -> ++sent[0] <= taken;

        for (Event event : SseTranscript.parse(Fixtures.text("streams/" + folder + "/text.upstream.sse"))) {
            translation.event(event.name(), event.data(), leaving);
        }

        GenerationRecord record = generation.end(Generation.Outcome.CANCELLED, null);
        assertThat(record.completionText()).isEqualTo(text);
    }

    private static void assertTranslated(Route route, String upstreamFolder, String clientFolder, String name, End end,
            String finish, Long prompt, Long completion, String text) throws IOException {
        Generation generation = Fixtures.generation(route, true);
        StreamCodec translation = Fixtures.codec(ClientApi.RESPONSES, route, generation, true);
        Recorder client = new Recorder();

        End actual = feed(SseTranscript.parse(Fixtures.text("streams/" + upstreamFolder + "/" + name + ".upstream.sse")),
                translation, client);

        assertThat(actual).as("how the stream ended").isEqualTo(end);
        SseTranscript.assertSameEvents(client.events,
                SseTranscript.parse(Fixtures.text("streams/" + clientFolder + "/" + name + ".client.sse")));
        StreamInvariants.assertResponses(client.events, end);
        GenerationRecord record = generation.end(Generation.Outcome.COMPLETED, null);
        assertThat(record.completionText()).as("completion text").isEqualTo(text);
        assertThat(record.finishReason()).as("finish reason").isEqualTo(finish);
        if (prompt != null) {
            assertThat(record.promptTokens()).as("prompt tokens").isEqualTo(prompt);
        }
        if (completion != null) {
            assertThat(record.completionTokens()).as("completion tokens").isEqualTo(completion);
        }
    }

    /** Relays the upstream's events as the relay does, then its body's end if they did not end the stream. */
    private static End feed(List<Event> upstream, StreamCodec translation, Recorder client) throws IOException {
        for (Event event : upstream) {
            try {
                if (translation.event(event.name(), event.data(), client)) {
                    return End.COMPLETE;
                }
            } catch (GatewayException failure) {
                translation.fail(failure, client);
                return End.FAILED;
            }
        }
        int sent = client.events.size();
        if (translation.end(client)) {
            return End.COMPLETE;
        }
        assertThat(client.events).as("end() of a cut-off answer sends nothing").hasSize(sent);
        return End.CUT;
    }
}
