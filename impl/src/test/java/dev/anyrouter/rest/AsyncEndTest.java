package dev.anyrouter.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anyrouter.relay.ClientOutput;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The end of a request's async cycle keeps the request's own threads off its response, and tells the relay. */
class AsyncEndTest {

    private final ExecutorService threads = Executors.newFixedThreadPool(2);
    private final BlockingOutput container = new BlockingOutput();
    private final AsyncEnd watch = new AsyncEnd();
    private final LongAdder bytes = new LongAdder();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void theEndWaitsForAWriteInProgressAndRefusesLaterOnes() throws Exception {
        ServletOutputStream out = filteredOutput();
        container.blockNextWrite();
        Future<?> write = threads.submit(() -> {
            out.write("data: 1\n\n".getBytes());
            return null;
        });
        assertThat(container.writing.await(10, TimeUnit.SECONDS)).isTrue();
        AtomicReference<Thread> ending = new AtomicReference<>();
        Future<?> end = threads.submit(() -> {
            ending.set(Thread.currentThread());
            watch.end(); // the container saw the client gone
        });
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> ending.get() != null && ending.get().getState() == Thread.State.WAITING);
        assertThat(end).as("the end, while a write is inside the container's stream").isNotDone();

        container.release.countDown();
        write.get(10, TimeUnit.SECONDS);
        end.get(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> out.write("data: 2\n\n".getBytes())).isInstanceOf(IOException.class);
        assertThatThrownBy(out::flush).isInstanceOf(IOException.class);
        assertThatThrownBy(out::close).isInstanceOf(IOException.class);
        assertThat(container.bytes.toString()).isEqualTo("data: 1\n\n");
        assertThat(bytes.sum()).as("the bytes counted for the access log").isEqualTo(9);
        assertThat(container.flushes.get()).isZero();
        assertThat(container.closes.get()).isZero();
    }

    @Test
    void runsTheRelaysActionOnceWhenTheCycleEnds() throws Exception {
        ServletOutputStream out = filteredOutput();
        AtomicInteger cancels = new AtomicInteger();
        watch.onEnd(cancels::incrementAndGet);
        out.write('x');
        out.flush();
        assertThat(cancels).hasValue(0);

        watch.end();
        watch.end();
        assertThat(cancels).hasValue(1);
        AtomicInteger late = new AtomicInteger();
        watch.onEnd(late::incrementAndGet);
        assertThat(late).as("an action set after the end runs at once").hasValue(1);
    }

    /** The response stream the application gets ({@link ResponseOutput}), over the container's {@link #container}. */
    private ServletOutputStream filteredOutput() {
        return new ResponseOutput(container, watch, new ClientOutput(), bytes);
    }

    /** The container's stream: records what reaches it, and can hold a write inside until released. */
    private static final class BlockingOutput extends ServletOutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final AtomicInteger flushes = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
        final CountDownLatch writing = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private volatile boolean block;

        void blockNextWrite() {
            block = true;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] data, int offset, int length) throws IOException {
            if (block) {
                block = false;
                writing.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
            bytes.write(data, offset, length);
        }

        @Override
        public void flush() {
            flushes.incrementAndGet();
        }

        @Override
        public void close() {
            closes.incrementAndGet();
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            throw new UnsupportedOperationException();
        }
    }
}
