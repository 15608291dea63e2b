package dev.anyrouter.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.StreamCodec;
import dev.anyrouter.translate.SseTranscript.Event;
import dev.anyrouter.translate.SseTranscript.Recorder;
import dev.anyrouter.translate.responses.ResponsesPassThrough;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A Responses upstream's recorded streams ({@code streams/responses-to-openai/<case>.upstream.sse}) passed to a
 * Responses client: byte for byte but for the response id and the last event's cost; a failure as the gateway's own
 * {@code response.failed}; and what the generation accounts. Spec: docs/wire-format.md section 4a.
 */
class ResponsesPassThroughTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # case                 | finish         | prompt | completion | completion text
              text                 | stop           | 19     | 8          | Hello! How can I help?
              text-then-tools      | tool_calls     | 85     | 40         | Let me check both cities.{"city":"Paris"}{"city":"Tokyo"}
              refusal              | stop           | 21     | 9          | I'm sorry, I can't help with that.
              max-tokens           | length         | 31     | 16         | Once upon a time, in a small village at the edge of a great forest
              content-filter       | content_filter | 52     | 2          | I cannot
            """)
    void passesEveryEventWithTheGenerationIdAndTheCost(String name, String finish, long prompt, long completion,
            String text) throws IOException {
        Generation generation = Fixtures.generation(Fixtures.OPENAI, true);
        StreamCodec codec = new ResponsesPassThrough(Fixtures.OPENAI, generation);
        List<Event> upstream = upstream(name);
        String upstreamId = "\"" + SseTranscript.json(upstream.get(0).data()).path("response").path("id").asText() + "\"";
        Recorder client = new Recorder();

        for (int i = 0; i < upstream.size(); i++) {
            boolean complete = codec.event(upstream.get(i).name(), upstream.get(i).data(), client);
            assertThat(complete).as("complete after event %d", i).isEqualTo(i == upstream.size() - 1);
        }

        assertThat(codec.end(client)).isTrue();
        assertThat(client.events).hasSameSizeAs(upstream);
        for (int i = 0; i < upstream.size() - 1; i++) {
            assertThat(client.events.get(i)).isEqualTo(new Event(upstream.get(i).name(),
                    upstream.get(i).data().replace(upstreamId, "\"" + Fixtures.GENERATION_ID + "\"")));
        }
        Event last = client.events.get(upstream.size() - 1);
        ObjectNode relayed = (ObjectNode) SseTranscript.json(last.data());
        BigDecimal cost = relayed.path("response").path("usage").path("cost").decimalValue();
        ((ObjectNode) relayed.path("response").path("usage")).remove("cost");
        assertThat(relayed).isEqualTo(SseTranscript.json(upstream.get(upstream.size() - 1).data()
                .replace(upstreamId, "\"" + Fixtures.GENERATION_ID + "\"")));
        GenerationRecord record = generation.end(Generation.Outcome.COMPLETED, null);
        assertThat(cost).isEqualByComparingTo(record.cost());
        assertThat(record.completionText()).isEqualTo(text);
        assertThat(record.finishReason()).isEqualTo(finish);
        assertThat(record.promptTokens()).isEqualTo(prompt);
        assertThat(record.completionTokens()).isEqualTo(completion);
        assertThat(record.servedModel()).isEqualTo("gpt-4o-2024-08-06");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            upstream-error | The answer
            error-event    | ''
            """)
    void answersAnUpstreamFailureWithItsOwnResponseFailed(String name, String text) throws IOException {
        Generation generation = Fixtures.generation(Fixtures.OPENAI, true);
        StreamCodec codec = new ResponsesPassThrough(Fixtures.OPENAI, generation);
        Recorder client = new Recorder();
        GatewayException failure = null;

        for (Event event : upstream(name)) {
            try {
                codec.event(event.name(), event.data(), client);
            } catch (GatewayException e) {
                failure = e;
                break;
            }
        }

        assertThat(failure).isNotNull();
        assertThat(failure.getMessage()).startsWith("upstream 'openai' failed: ");
        codec.fail(failure, client);
        Event last = client.events.get(client.events.size() - 1);
        JsonNode event = SseTranscript.json(last.data());
        assertThat(last.name()).isEqualTo("response.failed");
        assertThat(event.path("sequence_number").asInt()).isEqualTo(client.events.size() - 1);
        assertThat(event.path("response").path("id").asText()).isEqualTo(Fixtures.GENERATION_ID);
        assertThat(event.path("response").path("status").asText()).isEqualTo("failed");
        assertThat(event.path("response").path("error").path("message").asText()).isEqualTo(failure.getMessage());
        assertThat(client.events).extracting(Event::name).doesNotContain("response.completed");
        assertThat(generation.end(Generation.Outcome.FAILED, null).completionText()).isEqualTo(text);
    }

    @Test
    void aStreamCutBeforeItsLastEventIsNotComplete() throws IOException {
        StreamCodec codec = new ResponsesPassThrough(Fixtures.OPENAI, Fixtures.generation(Fixtures.OPENAI, true));
        Recorder client = new Recorder();
        for (Event event : upstream("cut-before-completed")) {
            assertThat(codec.event(event.name(), event.data(), client)).isFalse();
        }

        assertThat(codec.end(client)).isFalse();
    }

    @Test
    void passesAWholeResponseWithTheGenerationIdAndTheCost() throws IOException {
        Generation generation = Fixtures.generation(Fixtures.OPENAI, false);
        String upstream = Fixtures.text("completions/responses-to-openai/text.upstream.json").strip();
        String upstreamId = SseTranscript.json(upstream).path("id").asText();

        String relayed = new ResponsesPassThrough(Fixtures.OPENAI, generation).completion(upstream);

        GenerationRecord record = generation.end(Generation.Outcome.COMPLETED, null);
        assertThat(relayed).as("the id replaced as it stands").contains("\"id\": \"" + Fixtures.GENERATION_ID + "\"")
                .doesNotContain(upstreamId);
        ObjectNode answer = (ObjectNode) SseTranscript.json(relayed);
        assertThat(answer.path("usage").path("cost").decimalValue()).isEqualByComparingTo(record.cost());
        ((ObjectNode) answer.path("usage")).remove("cost");
        assertThat(answer).isEqualTo(SseTranscript.json(upstream.replace(upstreamId, Fixtures.GENERATION_ID)));
        assertThat(record.completionText()).isEqualTo("Hello! How can I help?");
        assertThat(record.finishReason()).isEqualTo("stop");
    }

    private static List<Event> upstream(String name) {
        return SseTranscript.parse(Fixtures.text("streams/responses-to-openai/" + name + ".upstream.sse"));
    }
}
