package dev.anyrouter.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.Content;
import org.junit.jupiter.api.Test;

/** The request body Jetty reads once: all its bytes, then an empty end, and nothing kept. */
class OnceContentTest {

    @Test
    void handsOverItsBytesThenAnEmptyEnd() {
        OnceContent content = new OnceContent("application/json", "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        assertThat(content.getLength()).isEqualTo(7);
        assertThat(content.getContentType()).isEqualTo("application/json");

        Content.Chunk bytes = content.read();
        assertThat(bytes.isLast()).as("the bytes are not the last chunk: the end's empty buffer replaces them")
                .isFalse();
        assertThat(StandardCharsets.UTF_8.decode(bytes.getByteBuffer()).toString()).isEqualTo("{\"a\":1}");
        Content.Chunk end = content.read();
        assertThat(end.isLast()).isTrue();
        assertThat(end.hasRemaining()).isFalse();
        assertThat(content.rewind()).isFalse();
    }

    @Test
    void aFailureIsReadOnceFailed() {
        OnceContent content = new OnceContent("application/json", new byte[10]);
        content.fail(new IllegalStateException("aborted"));
        Content.Chunk read = content.read();
        assertThat(Content.Chunk.isFailure(read)).isTrue();
        assertThat(read.getFailure()).hasMessage("aborted");
    }

    @Test
    void aDemandIsAnsweredAtOnceAndNeverNested() {
        OnceContent content = new OnceContent("application/json", new byte[10]);
        AtomicInteger depth = new AtomicInteger();
        AtomicInteger deepest = new AtomicInteger();
        AtomicInteger calls = new AtomicInteger();
        Runnable[] again = new Runnable[1];
        again[0] = () -> {
            deepest.accumulateAndGet(depth.incrementAndGet(), Math::max);
            if (calls.incrementAndGet() < 3) {
                content.demand(again[0]);
            }
            depth.decrementAndGet();
        };
        content.demand(again[0]);
        assertThat(calls).hasValue(3);
        assertThat(deepest).hasValue(1);
    }
}
