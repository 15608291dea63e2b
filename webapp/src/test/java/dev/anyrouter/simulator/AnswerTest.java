package dev.anyrouter.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.json.Json;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The simulated upstream's chunks keep every OpenAI chunk invariant (docs/wire-format.md section 2). */
class AnswerTest {

    private static final Knobs KNOBS = new Knobs(5, 0, 0, 0, -1, "error");

    private static List<JsonNode> chunks(String request, boolean usage) throws Exception {
        ObjectNode body = (ObjectNode) Json.MAPPER.readTree(request);
        Script script = Script.of(body, KNOBS);
        List<JsonNode> chunks = new ArrayList<>();
        for (String chunk : new Answer("gpt-4o", script, 3, script.pieces().size()).chunks(usage)) {
            chunks.add(Json.MAPPER.readTree(chunk));
        }
        return chunks;
    }

    private static String text(List<JsonNode> chunks, String field) {
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.path("choices").forEach(ch -> text.append(ch.path("delta").path(field).asText(""))));
        return text.toString();
    }

    @Test
    void countsOneNumberPerChunkWithTheInvariantsOfAStream() throws Exception {
        List<JsonNode> chunks = chunks("{\"messages\":[{\"role\":\"user\",\"content\":\"Count to 4\"}]}", false);

        assertThat(text(chunks, "content")).isEqualTo("1, 2, 3, 4");
        assertThat(chunks).hasSize(6);
        assertThat(chunks).extracting(c -> c.path("id").asText()).containsOnly(chunks.get(0).path("id").asText());
        assertThat(chunks).extracting(c -> c.path("created").asLong()).containsOnly(chunks.get(0).path("created").asLong());
        assertThat(chunks).extracting(c -> c.path("model").asText()).containsOnly("gpt-4o");
        assertThat(chunks.get(0).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        assertThat(chunks.subList(1, 6)).allSatisfy(c -> assertThat(c.at("/choices/0/delta/role").isMissingNode()).isTrue());
        assertThat(chunks).filteredOn(c -> !c.at("/choices/0/finish_reason").isNull()).hasSize(1);
        assertThat(chunks.get(5).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(chunks.get(5).at("/choices/0/delta").isEmpty()).isTrue();
        assertThat(chunks).allSatisfy(c -> assertThat(c.has("usage")).isFalse());
    }

    @Test
    void addsUsageToEveryChunkAndAUsageChunkLastWhenAsked() throws Exception {
        List<JsonNode> chunks = chunks("{\"messages\":[{\"role\":\"user\",\"content\":\"Count to 2\"}]}", true);

        JsonNode last = chunks.get(chunks.size() - 1);
        assertThat(last.path("choices")).isEmpty();
        assertThat(last.at("/usage/prompt_tokens").asLong()).isEqualTo(3);
        assertThat(last.at("/usage/completion_tokens").asLong()).isEqualTo(2);
        assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy(c -> assertThat(c.get("usage").isNull()).isTrue());
    }

    @Test
    void callsTheChosenToolWithArgumentsFromItsSchema() throws Exception {
        List<JsonNode> chunks = chunks("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":["
                + "{\"type\":\"function\",\"function\":{\"name\":\"a\"}},"
                + "{\"type\":\"function\",\"function\":{\"name\":\"weather\",\"parameters\":{\"type\":\"object\","
                + "\"properties\":{\"city\":{\"type\":\"string\"},\"days\":{\"type\":\"integer\"}},"
                + "\"required\":[\"city\",\"days\"]}}}],"
                + "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"weather\"}}}", false);

        JsonNode first = chunks.get(0).at("/choices/0/delta/tool_calls/0");
        assertThat(first.path("index").asInt()).isZero();
        assertThat(first.path("id").asText()).startsWith("call_");
        assertThat(first.path("type").asText()).isEqualTo("function");
        assertThat(first.at("/function/name").asText()).isEqualTo("weather");
        assertThat(first.at("/function/arguments").asText()).isEmpty();
        StringBuilder arguments = new StringBuilder();
        chunks.subList(1, chunks.size()).forEach(c -> c.at("/choices/0/delta/tool_calls").forEach(t -> {
            assertThat(t.has("id")).isFalse();
            arguments.append(t.at("/function/arguments").asText());
        }));
        assertThat(arguments).hasToString("{\"city\":\"simulated\",\"days\":1}");
        assertThat(chunks.get(chunks.size() - 1).at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    }

    @Test
    void stopsAtMaxTokensWithLength() throws Exception {
        List<JsonNode> chunks = chunks("{\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"Count to 9\"}]}",
                false);

        assertThat(text(chunks, "content")).isEqualTo("1, 2, 3");
        assertThat(chunks.get(chunks.size() - 1).at("/choices/0/finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void answersOtherPromptsWithTheConfiguredNumberOfChunks() throws Exception {
        List<JsonNode> chunks = chunks("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"Tell me a story\"}]}]}", false);

        assertThat(chunks).hasSize(1 + KNOBS.chunks() + 1);
        assertThat(text(chunks, "content")).startsWith("This is a simulated answer");
    }
}
