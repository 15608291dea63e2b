package dev.anyrouter.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.api.spi.StreamCodec;
import dev.anyrouter.api.spi.WireApis;
import dev.anyrouter.translate.SseTranscript.Event;
import dev.anyrouter.translate.SseTranscript.Recorder;
import dev.anyrouter.translate.StreamInvariants.End;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * A JSON {@code response_format} answered by an Anthropic model through the forced tool (docs/api.md, structured
 * output): the tool's input reaches the chat client as the assistant's text, streamed and whole, with finish
 * reason {@code stop}, and is billed as delivered text.
 */
class StructuredOutputTest {

    private static final String REQUEST = """
            {"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":"A city?"}],
             "response_format":{"type":"json_schema","json_schema":{"name":"place",
               "schema":{"type":"object","properties":{"city":{"type":"string"}}}}}%s}""";

    @Test
    void streamedToolInputArrivesAsContentWithFinishReasonStop() throws IOException {
        Generation generation = Fixtures.generation(Fixtures.ANTHROPIC, true);
        StreamCodec codec = codec(REQUEST.formatted(",\"stream\":true,\"stream_options\":{\"include_usage\":true}"),
                generation);
        Recorder client = new Recorder();

        boolean done = false;
        for (Event event : SseTranscript.parse(Fixtures.text("streams/anthropic-to-openai/json-schema.upstream.sse"))) {
            done = codec.event(event.name(), event.data(), client);
        }

        assertThat(done).as("message_stop ends the stream").isTrue();
        SseTranscript.assertSameEvents(client.events,
                SseTranscript.parse(Fixtures.text("streams/anthropic-to-openai/json-schema.client.sse")));
        StreamInvariants.assertChatCompletions(client.events, End.COMPLETE, true);
        assertBilled(generation, "{\"city\": \"Paris\", \"country\": \"France\"}");
    }

    @Test
    void wholeToolInputIsTheMessageContentWithFinishReasonStop() throws IOException {
        Generation generation = Fixtures.generation(Fixtures.ANTHROPIC, false);
        StreamCodec codec = codec(REQUEST.formatted(""), generation);

        ObjectNode answer = (ObjectNode) SseTranscript.json(codec.completion(
                Fixtures.text("completions/anthropic-to-openai/json-schema.upstream.json")));

        JsonNode expected = Fixtures.json("completions/anthropic-to-openai/json-schema.client.json");
        assertThat(answer.put("created", 0)).isEqualTo(((ObjectNode) expected).put("created", 0));
        assertBilled(generation, "{\"city\":\"Paris\",\"country\":\"France\"}");
    }

    private static StreamCodec codec(String request, Generation generation) {
        return WireApis.plan(ClientApi.CHAT_COMPLETIONS, Fixtures.ANTHROPIC.upstream().wireApi(),
                Fixtures.object(request), Fixtures.ANTHROPIC, generation).codec();
    }

    private static void assertBilled(Generation generation, String text) {
        GenerationRecord record = generation.end(Generation.Outcome.COMPLETED, null);
        assertThat(record.completionText()).isEqualTo(text);
        assertThat(record.finishReason()).isEqualTo("stop");
        assertThat(record.promptTokens()).isEqualTo(410L);
        assertThat(record.completionTokens()).isEqualTo(21L);
    }
}
