package dev.anyrouter.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.accounting.TokenCounter;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.api.spi.Emitter;
import dev.anyrouter.api.spi.StreamCodec;
import dev.anyrouter.json.Json;
import dev.anyrouter.translate.SseTranscript.Event;
import dev.anyrouter.translate.SseTranscript.Recorder;
import dev.anyrouter.translate.StreamInvariants.End;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Recorded upstream streams through each translation, compared event by event with the client's expected stream
 * (files {@code streams/<direction>/<case>.upstream.sse} and {@code <case>.client.sse}), plus what the
 * generation accounts. Spec: docs/wire-format.md sections 2 to 4.
 */
class StreamTranslationTest {

    /** How the upstream stream ended for the client. */
    enum Ending {
        /** The upstream's last event completed the client's stream. */
        LAST_EVENT(End.COMPLETE),
        /** The body ended after the stop reason but before the last event; {@code end()} completed the stream. */
        END_COMPLETES(End.COMPLETE),
        /** The body ended before the stop reason; {@code end()} returned false and sent nothing. */
        END_CUT(End.CUT),
        /** The upstream reported an error mid-stream; the translation threw and {@code fail()} told the client. */
        FAILED(End.FAILED);

        final End end;

        Ending(End end) {
            this.end = end;
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # case                   | include_usage | ending        | finish         | prompt | completion | completion text
              text                   | true          | LAST_EVENT    | stop           | 25     | 8          | Hello! How can I help?
              text-then-tools        | true          | LAST_EVENT    | tool_calls     | 3544   | 89         | Let me check both cities.{"city": "Paris"}{"city": "Tokyo"}
              thinking               | false         | LAST_EVENT    | stop           | 40     | 120        | Let me solve this step by step: 27 * 453 = 27 * 400 + 27 * 53.27 * 453 = 12,231
              max-tokens             | true          | LAST_EVENT    | length         | 31     | 5          | Once upon a time there was
              refusal                | false         | LAST_EVENT    | content_filter | 52     | 7          | I cannot help with that.
              stop-sequence          | false         | LAST_EVENT    | stop           | 18     | 9          | '1, 2, 3, 4, '
              upstream-error         | false         | FAILED        | -              | 25     | -          | The answer
              cut-after-stop-reason  | true          | END_COMPLETES | stop           | 25     | 3          | Done.
              cut-before-stop-reason | true          | END_CUT       | -              | 25     | -          | The answer is
            """)
    void anthropicUpstreamToChatClient(String name, boolean includeUsage, Ending ending, String finish, Long prompt,
            Long completion, String text) throws IOException {
        Generation generation = Fixtures.generation(Fixtures.ANTHROPIC, true);
        StreamCodec translation = Fixtures.codec(ClientApi.CHAT_COMPLETIONS, Fixtures.ANTHROPIC, generation, includeUsage);

        List<Event> client = translate("anthropic-to-openai", name, translation, ending);

        StreamInvariants.assertChatCompletions(client, ending.end, includeUsage);
        assertAccounted(generation, text, finish, prompt, completion);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # case                   | ending        | finish     | prompt | completion | completion text
              text                   | LAST_EVENT    | end_turn   | 19     | 8          | Hello! How can I help?
              text-then-tools        | LAST_EVENT    | tool_use   | 85     | 40         | Let me check both cities.{"city": "Paris"}{"city": "Tokyo"}
              thinking               | LAST_EVENT    | end_turn   | 14     | 120        | Let me solve this step by step: 27 * 453 = 27 * 400 + 27 * 53.27 * 453 = 12,231
              max-tokens             | LAST_EVENT    | max_tokens | 31     | 5          | Once upon a time there was
              content-filter         | LAST_EVENT    | refusal    | 52     | 2          | I cannot
              stop-sequence          | LAST_EVENT    | end_turn   | 18     | 9          | '1, 2, 3, 4, '
              upstream-error         | FAILED        | -          | -      | -          | The answer
              cut-after-stop-reason  | END_COMPLETES | end_turn   | 19     | 3          | Done.
              cut-before-stop-reason | END_CUT       | -          | -      | -          | The answer is
            """)
    void openAiUpstreamToMessagesClient(String name, Ending ending, String finish, Long prompt, Long completion,
            String text) throws IOException {
        Generation generation = Fixtures.generation(Fixtures.OPENAI, true);
        StreamCodec translation = Fixtures.codec(ClientApi.MESSAGES, Fixtures.OPENAI, generation, false);

        List<Event> client = translate("openai-to-anthropic", name, translation, ending);

        StreamInvariants.assertMessages(client, ending.end);
        assertAccounted(generation, text, finish, prompt, completion);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # direction         | events the client takes | text it got
            anthropic-to-openai | 2                       | Hello
            openai-to-anthropic | 3                       | Hello
            """)
    void accountsOnlyWhatReachedTheClient(String direction, int taken, String text) throws IOException {
        boolean fromAnthropic = direction.equals("anthropic-to-openai");
        Generation generation = Fixtures.generation(fromAnthropic ? Fixtures.ANTHROPIC : Fixtures.OPENAI, true);
        StreamCodec translation = fromAnthropic ? Fixtures.codec(ClientApi.CHAT_COMPLETIONS, Fixtures.ANTHROPIC, generation, true)
                : Fixtures.codec(ClientApi.MESSAGES, Fixtures.OPENAI, generation, false);
        int[] sent = {0};
        Emitter leaving = (name, data) -> ++sent[0] <= taken;

        for (Event event : SseTranscript.parse(Fixtures.text("streams/" + direction + "/text.upstream.sse"))) {
            translation.event(event.name(), event.data(), leaving);
        }

        GenerationRecord record = generation.end(Generation.Outcome.CANCELLED, null);
        assertThat(record.completionText()).isEqualTo(text);
        assertThat(record.chunks()).isEqualTo(taken);
    }

    /** Feeds the case's upstream events, ends the body the way the case says, compares with the expected file. */
    private static List<Event> translate(String direction, String name, StreamCodec translation, Ending ending)
            throws IOException {
        String folder = "streams/" + direction + "/" + name;
        Recorder client = new Recorder();

        Ending actual = feed(SseTranscript.parse(Fixtures.text(folder + ".upstream.sse")), translation, client);

        assertThat(actual).as("how the stream ended").isEqualTo(ending);
        SseTranscript.assertSameEvents(client.events, SseTranscript.parse(Fixtures.text(folder + ".client.sse")));
        return client.events;
    }

    /** Relays the upstream's events as the relay does, then its body's end if they did not end the stream. */
    private static Ending feed(List<Event> upstream, StreamCodec translation, Recorder client) throws IOException {
        for (int i = 0; i < upstream.size(); i++) {
            Event event = upstream.get(i);
            boolean last = i == upstream.size() - 1;
            try {
                if (translation.event(event.name(), event.data(), client)) {
                    assertThat(last).as("completed on upstream event %d of %d", i + 1, upstream.size()).isTrue();
                    return Ending.LAST_EVENT;
                }
            } catch (GatewayException failure) {
                assertThat(last).as("failed on upstream event %d of %d", i + 1, upstream.size()).isTrue();
                assertThat(failure.status()).as("502, or 503 for an overload").isIn(502, 503);
                translation.fail(failure, client);
                return Ending.FAILED;
            }
        }
        int sent = client.events.size();
        if (translation.end(client)) {
            return Ending.END_COMPLETES;
        }
        assertThat(client.events).as("end() of a cut-off answer sends nothing").hasSize(sent);
        return Ending.END_CUT;
    }

    /**
     * {@code prompt} and {@code completion} are the upstream's numbers; {@code null} where it reported none
     * (provisional counts do not count), and then the gateway's own count is billed: of the (empty) request, and
     * of exactly the text delivered.
     */
    private static void assertAccounted(Generation generation, String text, String finish, Long prompt,
            Long completion) {
        GenerationRecord record = generation.end(Generation.Outcome.COMPLETED, null);
        TokenCounter counter = TokenCounter.forModel(record.servedModel());
        assertThat(record.completionText()).as("completion text").isEqualTo(text);
        assertThat(record.finishReason()).as("finish reason").isEqualTo(finish);
        assertThat(record.promptTokens()).as("prompt tokens").isEqualTo(prompt != null ? prompt
                : counter.prompt(ClientApi.CHAT_COMPLETIONS, Json.MAPPER.createObjectNode()));
        assertThat(record.completionTokens()).as("completion tokens").isEqualTo(completion != null ? completion
                : counter.text(text));
        assertThat(record.tokensCounted()).as("counted").isEqualTo(prompt == null || completion == null);
        assertThat(record.cost()).as("cost").isEqualByComparingTo(Fixtures.PRICE.cost(record.promptTokens(),
                record.completionTokens()));
    }
}
