package dev.anyrouter.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anyrouter.translate.SseTranscript.Event;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a strict client of each API relies on in a whole stream, checked on what a translation sent: the
 * chat-completions invariants of docs/wire-format.md section 2 (and the error chunk of section 5), the Messages event
 * order of section 3.
 */
final class StreamInvariants {

    /** How a client's stream ended. */
    enum End { COMPLETE, CUT, FAILED }

    private StreamInvariants() {
    }

    static void assertChatCompletions(List<Event> events, End end, boolean includeUsage) {
        assertThat(events).extracting(Event::name).as("chat-completions events are unnamed").containsOnlyNulls();
        List<JsonNode> chunks = events.stream().filter(event -> !event.data().equals("[DONE]"))
                .map(event -> SseTranscript.json(event.data())).toList();
        for (int i = 0; i < chunks.size(); i++) {
            assertChunk(chunks.get(i), chunks.get(0), i, includeUsage);
        }
        long finishes = chunks.stream().filter(chunk -> !chunk.has("error"))
                .filter(chunk -> chunk.path("choices").path(0).hasNonNull("finish_reason")).count();
        assertThat(finishes).as("finish chunks").isEqualTo(end == End.COMPLETE ? 1 : 0);
        JsonNode last = chunks.get(chunks.size() - 1);
        if (end == End.COMPLETE) {
            assertThat(events.get(events.size() - 1).data()).isEqualTo("[DONE]");
            assertThat(last.path("choices").isEmpty() && last.path("usage").isObject())
                    .as("a usage chunk right before [DONE] exactly when asked for").isEqualTo(includeUsage);
        }
        if (end == End.FAILED) {
            assertThat(last.path("error").path("code").asInt()).as("502, or 503 for an overload").isIn(502, 503);
            assertThat(last.path("choices").path(0).path("finish_reason").asText()).isEqualTo("error");
        }
    }

    private static void assertChunk(JsonNode chunk, JsonNode first, int i, boolean includeUsage) {
        assertThat(chunk.path("id").asText()).isEqualTo(Fixtures.GENERATION_ID);
        assertThat(chunk.path("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(chunk.path("created")).as("created on every chunk").isEqualTo(first.path("created"));
        assertThat(chunk.path("model")).as("model on every chunk").isEqualTo(first.path("model"));
        JsonNode choice = chunk.path("choices").path(0);
        assertThat(choice.path("delta").has("role")).as("role on chunk %d", i).isEqualTo(i == 0);
        if (choice.hasNonNull("finish_reason") && !chunk.has("error")) {
            assertThat(choice.path("delta").isEmpty()).as("the finish chunk's delta is {}").isTrue();
        }
        if (includeUsage && !chunk.has("error") && !chunk.path("choices").isEmpty()) {
            assertThat(chunk.has("usage") && chunk.get("usage").isNull()).as("usage: null on %s", chunk).isTrue();
        }
    }

    static void assertMessages(List<Event> events, End end) {
        Set<Integer> open = new HashSet<>();
        int blocks = 0;
        for (int i = 0; i < events.size(); i++) {
            String name = events.get(i).name();
            JsonNode data = SseTranscript.json(events.get(i).data());
            assertThat(name).as("event name is the data's type").isEqualTo(data.path("type").asText());
            assertThat(name.equals("message_start")).as("message_start first and only then").isEqualTo(i == 0);
            int index = data.path("index").asInt(-1);
            switch (name) {
                case "content_block_start" -> {
                    assertThat(open).as("one block open at a time").isEmpty();
                    assertThat(index).as("blocks counted from 0").isEqualTo(blocks++);
                    open.add(index);
                }
                case "content_block_delta" -> assertThat(open).as("delta of the open block").containsExactly(index);
                case "content_block_stop" -> assertThat(open.remove(index)).as("stop of an open block").isTrue();
                case "message_delta", "message_stop" -> assertThat(open).as("blocks closed before the end").isEmpty();
                default -> {
                }
            }
        }
        assertEnd(events.stream().map(Event::name).toList(), end);
    }

    /**
     * A Responses stream: every event named by its {@code type} with a {@code sequence_number} counting from 0;
     * {@code response.created} then {@code response.in_progress} first; output items numbered from 0 in the order
     * they are added, each event of an item between its {@code output_item.added} and {@code output_item.done};
     * every item done before the one last event ({@code response.completed} or {@code .incomplete}, or
     * {@code response.failed}), or no last event at all when the answer was cut off.
     */
    static void assertResponses(List<Event> events, End end) {
        Set<String> open = new HashSet<>();
        int items = 0;
        for (int i = 0; i < events.size(); i++) {
            String name = events.get(i).name();
            JsonNode data = SseTranscript.json(events.get(i).data());
            assertThat(name).as("event name is the data's type").isEqualTo(data.path("type").asText());
            assertThat(data.path("sequence_number").asInt(-1)).as("sequence number of event %d", i).isEqualTo(i);
            assertThat(name.equals("response.created")).as("response.created first and only then").isEqualTo(i == 0);
            assertThat(name.equals("response.in_progress")).as("response.in_progress second").isEqualTo(i == 1);
            boolean last = name.equals("response.completed") || name.equals("response.incomplete")
                    || name.equals("response.failed");
            assertThat(last).as("%s is the last event only", name).isEqualTo(last && i == events.size() - 1);
            switch (name) {
                case "response.output_item.added" -> {
                    assertThat(data.path("output_index").asInt()).as("items counted from 0").isEqualTo(items++);
                    assertThat(open.add(data.path("item").path("id").asText())).as("a new item id").isTrue();
                }
                case "response.output_item.done" -> assertThat(open.remove(data.path("item").path("id").asText()))
                        .as("done of an open item").isTrue();
                case "response.completed", "response.incomplete" -> {
                    assertThat(open).as("items done before the end").isEmpty();
                    assertThat(data.path("response").path("output")).as("every item in the output").hasSize(items);
                    assertThat(data.path("response").path("usage").path("total_tokens").isNumber()).isTrue();
                }
                default -> {
                    if (data.has("item_id")) {
                        assertThat(open).as("%s of an open item", name).contains(data.path("item_id").asText());
                    }
                }
            }
        }
        String lastName = events.get(events.size() - 1).name();
        switch (end) {
            case COMPLETE -> assertThat(lastName).isIn("response.completed", "response.incomplete");
            case FAILED -> assertThat(lastName).isEqualTo("response.failed");
            case CUT -> assertThat(events).extracting(Event::name)
                    .doesNotContain("response.completed", "response.incomplete", "response.failed");
            default -> throw new IllegalArgumentException(end.name());
        }
    }

    private static void assertEnd(List<String> names, End end) {
        switch (end) {
            case COMPLETE -> assertThat(names.subList(names.size() - 2, names.size()))
                    .containsExactly("message_delta", "message_stop");
            case FAILED -> assertThat(names.get(names.size() - 1)).isEqualTo("error");
            case CUT -> assertThat(names).doesNotContain("message_delta", "message_stop", "error");
            default -> throw new IllegalArgumentException(end.name());
        }
    }
}
