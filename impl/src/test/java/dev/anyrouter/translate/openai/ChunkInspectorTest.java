package dev.anyrouter.translate.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class ChunkInspectorTest {

    @Test
    void readsTheFieldsOfAFirstChunk() throws IOException {
        Chunk chunk = ChunkInspector.inspect("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\","
                + "\"created\":1700000000,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}");

        assertThat(chunk.created()).isEqualTo(1700000000L);
        assertThat(chunk.model()).isEqualTo("gpt-4o");
        assertThat(chunk.hasRole()).isTrue();
        assertThat(chunk.finishReason()).isNull();
        assertThat(chunk.text()).isEmpty();
        assertThat(chunk.error()).isNull();
    }

    @Test
    void collectsContentReasoningAndToolArgumentsOfEveryChoice() throws IOException {
        Chunk chunk = ChunkInspector.inspect("{\"id\":\"x\",\"choices\":["
                + "{\"index\":0,\"delta\":{\"content\":\"Hel\",\"reasoning\":\"hm\"}},"
                + "{\"index\":1,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get\",\"arguments\":\"{\\\"a\\\":\"}}]}}]}");

        assertThat(chunk.text()).isEqualTo("Helhm{\"a\":");
        assertThat(chunk.hasRole()).isFalse();
    }

    @Test
    void skipsWhatItDoesNotExpectAndReadsOn() throws IOException {
        Chunk chunk = ChunkInspector.inspect("{\"choices\":[7,\"x\",{\"delta\":[1],\"finish_reason\":null},"
                + "{\"delta\":{\"tool_calls\":[null,{\"function\":\"f\"}],\"content\":\"ok\"}}],\"model\":\"m\"}");

        assertThat(chunk.text()).isEqualTo("ok");
        assertThat(chunk.model()).isEqualTo("m");
        assertThat(chunk.finishReason()).isNull();
    }

    @Test
    void readsFinishReasonAndUsage() throws IOException {
        Chunk finish = ChunkInspector.inspect("{\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{},"
                + "\"finish_reason\":\"tool_calls\"}],\"usage\":null}");
        Chunk usage = ChunkInspector.inspect("{\"id\":\"x\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,"
                + "\"completion_tokens\":34,\"total_tokens\":46,\"prompt_tokens_details\":{\"cached_tokens\":0}}}");

        assertThat(finish.finishReason()).isEqualTo("tool_calls");
        assertThat(finish.promptTokens()).isNull();
        assertThat(usage.promptTokens()).isEqualTo(12L);
        assertThat(usage.completionTokens()).isEqualTo(34L);
    }

    @Test
    void readsAWholeCompletionMessage() throws IOException {
        Chunk completion = ChunkInspector.inspect("{\"id\":\"c\",\"object\":\"chat.completion\",\"choices\":[{"
                + "\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"1, 2\"},\"finish_reason\":\"stop\"}]}");

        assertThat(completion.text()).isEqualTo("1, 2");
        assertThat(completion.finishReason()).isEqualTo("stop");
    }

    @Test
    void findsAnInBandError() throws IOException {
        assertThat(ChunkInspector.inspect("{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}").error())
                .isEqualTo("overloaded");
        assertThat(ChunkInspector.inspect("{\"error\":\"boom\"}").error()).isEqualTo("boom");
    }

    @Test
    void replacesOnlyTheTopLevelIdAndKeepsEveryOtherByte() throws IOException {
        String json = "{ \"object\":\"chat.completion.chunk\", \"id\" : \"chatcmpl-a\\\"b\",\"choices\":[{\"delta\":"
                + "{\"tool_calls\":[{\"id\":\"call_1\"}]}}],\"x\":{\"id\":\"keep\"}}";

        String rewritten = ChunkInspector.inspect(json).withId(json, "gen-1");

        assertThat(rewritten).isEqualTo("{ \"object\":\"chat.completion.chunk\", \"id\" : \"gen-1\",\"choices\":"
                + "[{\"delta\":{\"tool_calls\":[{\"id\":\"call_1\"}]}}],\"x\":{\"id\":\"keep\"}}");
    }

    @Test
    void leavesAChunkWithoutIdAsItIs() throws IOException {
        String json = "{\"choices\":[]}";

        assertThat(ChunkInspector.inspect(json).withId(json, "gen-1")).isSameAs(json);
    }

    @Test
    void rejectsWhatIsNotOneJsonObject() {
        assertThatThrownBy(() -> ChunkInspector.inspect("[1]")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> ChunkInspector.inspect("{\"a\":1} {")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> ChunkInspector.inspect("{\"a\":")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> ChunkInspector.inspect("{\"id\":\"abc")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> ChunkInspector.inspect("{\"id\":\"ab\\")).isInstanceOf(IOException.class);
    }
}
