package dev.anyrouter.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.api.spi.Emitter;
import dev.anyrouter.api.spi.StreamCodec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What real upstreams do that the transcripts do not: each case once broke a strict client. */
class TranslationEdgeCasesTest {

    private static final String CHUNK = "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
            + "\"choices\":[{\"index\":0,\"delta\":";

    private final List<String> sent = new ArrayList<>();
    private final Emitter out = (name, data) -> sent.add(name + " " + data);

    @Test
    void aForcedToolCallThatEndsWithStopIsAToolUseForTheMessagesClient() throws IOException {
        StreamCodec translation = Fixtures.codec(ClientApi.MESSAGES, Fixtures.OPENAI, Fixtures.generation(Fixtures.OPENAI, true), false);

        translation.event(null, CHUNK + "{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_1\","
                + "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},\"finish_reason\":null}]}",
                out);
        translation.event(null, CHUNK + "{},\"finish_reason\":\"stop\"}]}", out);
        translation.event(null, "[DONE]", out);

        assertThat(sent).anySatisfy(e -> assertThat(e).startsWith("message_delta ")
                .contains("\"stop_reason\":\"tool_use\""));
    }

    @Test
    void anIndexReusedWithANewIdStartsANewToolUseBlock() throws IOException {
        StreamCodec translation = Fixtures.codec(ClientApi.MESSAGES, Fixtures.OPENAI, Fixtures.generation(Fixtures.OPENAI, true), false);

        translation.event(null, CHUNK + "{\"tool_calls\":[{\"index\":0,\"id\":\"a\",\"function\":{\"name\":\"f\","
                + "\"arguments\":\"{\\\"x\\\":1}\"}}]},\"finish_reason\":null}]}", out);
        translation.event(null, CHUNK + "{\"tool_calls\":[{\"index\":0,\"id\":\"b\",\"function\":{\"name\":\"g\","
                + "\"arguments\":\"{\\\"y\\\":2}\"}}]},\"finish_reason\":\"tool_calls\"}]}", out);

        assertThat(sent).filteredOn(e -> e.startsWith("content_block_start ")).hasSize(2)
                .anySatisfy(e -> assertThat(e).contains("\"id\":\"a\"").contains("\"name\":\"f\""))
                .anySatisfy(e -> assertThat(e).contains("\"id\":\"b\"").contains("\"name\":\"g\""));
        assertThat(sent).filteredOn(e -> e.contains("input_json_delta"))
                .containsExactly("content_block_delta {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                        + "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"x\\\":1}\"}}",
                        "content_block_delta {\"type\":\"content_block_delta\",\"index\":1,\"delta\":"
                        + "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"y\\\":2}\"}}");
    }

    @Test
    void aNullReasoningFieldLetsReasoningContentThrough() throws IOException {
        StreamCodec translation = Fixtures.codec(ClientApi.MESSAGES, Fixtures.OPENAI, Fixtures.generation(Fixtures.OPENAI, true), false);

        translation.event(null, CHUNK + "{\"reasoning\":null,\"reasoning_content\":\"hmm\"},\"finish_reason\":null}],"
                + "\"error\":null}", out);

        assertThat(sent).anySatisfy(e -> assertThat(e).contains("\"thinking_delta\"").contains("hmm"));
    }

    @Test
    void unnamedAnthropicEventsAreNamedByTheirType() throws IOException {
        Generation generation = Fixtures.generation(Fixtures.ANTHROPIC, true);
        StreamCodec translation = Fixtures.codec(ClientApi.MESSAGES, Fixtures.ANTHROPIC, generation, false);

        translation.event(null, "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\","
                + "\"text\":\"\"}}", out);
        translation.event(null, "{\"type\":\"ping\"}", out);

        assertThat(sent).allSatisfy(e -> assertThat(e).doesNotStartWith("null "))
                .first().asString().startsWith("content_block_start ");
    }

    @Test
    void aMessageStopWithoutStopReasonStillEndsTheChatStreamCleanly() throws IOException {
        StreamCodec translation = Fixtures.codec(ClientApi.CHAT_COMPLETIONS, Fixtures.ANTHROPIC, Fixtures.generation(Fixtures.ANTHROPIC, true), false);

        translation.event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                + "{\"type\":\"text_delta\",\"text\":\"Hi\"}}", out);
        boolean complete = translation.event("message_stop", "{\"type\":\"message_stop\"}", out);

        assertThat(complete).isTrue();
        assertThat(sent.get(sent.size() - 2)).contains("\"finish_reason\":\"stop\"");
        assertThat(sent.get(sent.size() - 1)).isEqualTo("null [DONE]");
    }
}
