package dev.anyrouter.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.translate.SseTranscript.Event;
import org.junit.jupiter.api.Test;

class SseTranscriptTest {

    @Test
    void readsNamedAndUnnamedEventsSeparatedByBlankLines() {
        assertThat(SseTranscript.parse("event: ping\ndata: {\"type\":\"ping\"}\n\ndata: [DONE]\n\n"))
                .containsExactly(new Event("ping", "{\"type\":\"ping\"}"), new Event(null, "[DONE]"));
    }

    @Test
    void acceptsCrLfAndLoneCrLineEnds() {
        assertThat(SseTranscript.parse("event: a\r\ndata: 1\r\n\r\ndata: 2\r\rdata: 3\n\n"))
                .containsExactly(new Event("a", "1"), new Event(null, "2"), new Event(null, "3"));
    }

    @Test
    void joinsMultiLineDataWithLineFeeds() {
        assertThat(SseTranscript.parse("data: {\"a\":\ndata:  1}\ndata\n\n"))
                .containsExactly(new Event(null, "{\"a\":\n 1}\n"));
    }

    @Test
    void ignoresCommentsIdRetryAndEventsWithoutData() {
        assertThat(SseTranscript.parse(": OPENROUTER PROCESSING\n\nid: 7\nretry: 10\n: keep-alive\ndata: x\n\n"
                + "event: lonely\n\n")).containsExactly(new Event(null, "x"));
    }

    @Test
    void dropsAnEventTheTextEndsInside() {
        assertThat(SseTranscript.parse("data: whole\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n"))
                .containsExactly(new Event(null, "whole"));
    }

    @Test
    void readsAnEmptyDataLineAsAnEmptyEvent() {
        assertThat(SseTranscript.parse("data:\n\ndata:no-space\n\n"))
                .containsExactly(new Event(null, ""), new Event(null, "no-space"));
    }
}
