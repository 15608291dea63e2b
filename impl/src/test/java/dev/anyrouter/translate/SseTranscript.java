package dev.anyrouter.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.spi.Emitter;
import dev.anyrouter.json.Json;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Recorded server-sent event streams for the translation tests: a small parser for transcript files (WHATWG
 * framing, docs/wire-format.md section 1), a recording {@link Emitter}, and an event-by-event comparison.
 */
final class SseTranscript {

    /** One event; {@code name} is {@code null} for an unnamed one. */
    record Event(String name, String data) {
        @Override
        public String toString() {
            return (name == null ? "" : "event: " + name + "\n") + "data: " + data;
        }
    }

    private SseTranscript() {
    }

    /**
     * The events of a stream's text. Lines end with LF, CRLF or CR; {@code :} lines are comments; several
     * {@code data} lines join with LF; one space after the colon is dropped; {@code id}, {@code retry} and unknown
     * fields are ignored. An event is dispatched at a blank line when it has data; one not ended by a blank line
     * when the text ends is incomplete and dropped, as a browser would.
     */
    static List<Event> parse(String text) {
        List<Event> events = new ArrayList<>();
        String name = null;
        StringBuilder data = null;
        String[] lines = text.split("\r\n|\r|\n", -1);
        // the last piece follows the last line end: an unfinished line, or nothing
        for (String line : Arrays.copyOf(lines, lines.length - 1)) {
            if (line.isEmpty()) {
                if (data != null) {
                    events.add(new Event(name, data.toString()));
                }
                name = null;
                data = null;
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            if (field.equals("event")) {
                name = value.isEmpty() ? null : value;
            } else if (field.equals("data")) {
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            }
        }
        return events;
    }

    /** A client that takes every event. */
    static final class Recorder implements Emitter {
        final List<Event> events = new ArrayList<>();

        @Override
        public boolean send(String name, String data) {
            events.add(new Event(name, data));
            return true;
        }
    }

    /**
     * Asserts two transcripts equal event by event: names equal, JSON data equal as trees with every top-level
     * {@code created} timestamp normalised, other data equal as text.
     */
    static void assertSameEvents(List<Event> actual, List<Event> expected) {
        for (int i = 0; i < Math.min(actual.size(), expected.size()); i++) {
            Event want = expected.get(i);
            Event got = actual.get(i);
            assertThat(got.name()).as("name of client event %d (%s)", i, got).isEqualTo(want.name());
            JsonNode wantJson = json(want.data());
            if (wantJson == null) {
                assertThat(got.data()).as("data of client event %d", i).isEqualTo(want.data());
            } else {
                assertThat(normalised(got.data())).as("data of client event %d", i).isEqualTo(normalised(wantJson));
            }
        }
        assertThat(actual).as("client events; expected:%n%s%nactual:%n%s", lines(expected), lines(actual))
                .hasSameSizeAs(expected);
    }

    private static JsonNode normalised(String data) {
        JsonNode node = json(data);
        assertThat(node).as("client data is JSON: %s", data).isNotNull();
        return normalised(node);
    }

    /** The time of a chat chunk ({@code created}) or of a Responses event's response ({@code created_at}) as 0. */
    private static JsonNode normalised(JsonNode node) {
        if (node.isObject() && node.has("created")) {
            assertThat(node.get("created").isIntegralNumber()).as("created is a number: %s", node).isTrue();
            ((ObjectNode) node).put("created", 0);
        }
        JsonNode response = node.path("response");
        if (response.isObject() && response.has("created_at")) {
            assertThat(response.get("created_at").isIntegralNumber()).as("created_at is a number: %s", node).isTrue();
            ((ObjectNode) response).put("created_at", 0);
        }
        return node;
    }

    /** The data as JSON, or {@code null} when it is not JSON (such as {@code [DONE]}). */
    static JsonNode json(String data) {
        try {
            return Json.MAPPER.readTree(data);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static String lines(List<Event> events) {
        return events.stream().map(Event::toString).collect(Collectors.joining("\n"));
    }
}
