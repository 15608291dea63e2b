package dev.anyrouter.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The byte scanner that splits an upstream body into events, fed as the network delivers it. */
class SseSplitterTest {

    private final List<SseEvent> events = new ArrayList<>();

    private void feed(SseSplitter splitter, String... buffers) throws Exception {
        for (String buffer : buffers) {
            splitter.feed(ByteBuffer.wrap(buffer.getBytes(StandardCharsets.UTF_8)), events::add);
        }
    }

    @Test
    void splitsEveryWayABodyCanBeCut() throws Exception {
        String body = "event: a\ndata: 1\n\n: comment\n\ndata:2\r\ndata: 3\r\n\r\nid: 7\nretry: 10\ndata\n\n";
        List<SseEvent> whole = new ArrayList<>();
        new SseSplitter(0, 0).feed(ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), whole::add);
        assertThat(whole).containsExactly(new SseEvent("a", "1"), new SseEvent(null, "2\n3"), new SseEvent(null, ""));
        for (int cut = 1; cut < body.length(); cut++) {
            events.clear();
            feed(new SseSplitter(0, 0), body.substring(0, cut), body.substring(cut));
            assertThat(events).as("cut at %d", cut).isEqualTo(whole);
        }
    }

    @Test
    void decodesCharactersSplitAcrossBuffers() throws Exception {
        byte[] bytes = "data: \u00e9\u20ac\n\n".getBytes(StandardCharsets.UTF_8);
        SseSplitter splitter = new SseSplitter(0, 0);
        for (byte b : bytes) {
            splitter.feed(ByteBuffer.wrap(new byte[] {b}), events::add);
        }
        assertThat(events).containsExactly(new SseEvent(null, "\u00e9\u20ac"));
    }

    @Test
    void refusesAnEventOverItsLimitBeforeItEnds() throws Exception {
        SseSplitter splitter = new SseSplitter(16, 0);
        feed(splitter, "data: 12345678\n\n"); // 16 bytes, blank line included
        assertThat(events).hasSize(1);
        assertThatThrownBy(() -> feed(splitter, "data: 1234567890123"))
                .isInstanceOf(JettyConnector.TooLarge.class).hasMessageContaining("an event larger than 16 bytes");
    }

    @Test
    void refusesAStreamOverItsLimit() {
        SseSplitter splitter = new SseSplitter(0, 20);
        assertThatThrownBy(() -> feed(splitter, "data: 1\n\n", "data: 2\n\n", "data: 3\n\n"))
                .isInstanceOf(JettyConnector.TooLarge.class).hasMessageContaining("more than 20 bytes");
        assertThat(events).hasSize(2);
    }
}
