package dev.anyrouter.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The end of a request's async cycle keeps the request's own threads off its response, and tells the relay. */
class AsyncEndTest {

    private final ExecutorService threads = Executors.newFixedThreadPool(2);
    private final Map<String, Object> attributes = new HashMap<>();
    private final BlockingOutput container = new BlockingOutput();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void theEndWaitsForAWriteInProgressAndRefusesLaterOnes() throws Exception {
        ServletOutputStream out = filteredOutput();
        AsyncEnd.Watch watch = (AsyncEnd.Watch) attributes.get(AsyncEnd.WATCH);
        container.blockNextWrite();
        Future<?> write = threads.submit(() -> {
            out.write("data: 1\n\n".getBytes());
            return null;
        });
        assertThat(container.writing.await(10, TimeUnit.SECONDS)).isTrue();
        AtomicReference<Thread> ending = new AtomicReference<>();
        Future<?> end = threads.submit(() -> {
            ending.set(Thread.currentThread());
            watch.onError(null); // the container saw the client gone
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
        assertThat(container.flushes.get()).isZero();
        assertThat(container.closes.get()).isZero();
    }

    @Test
    void runsTheRelaysActionOnceWhenTheCycleEnds() throws Exception {
        ServletOutputStream out = filteredOutput();
        AsyncEnd.Watch watch = (AsyncEnd.Watch) attributes.get(AsyncEnd.WATCH);
        AtomicInteger cancels = new AtomicInteger();
        watch.onEnd(cancels::incrementAndGet);
        out.write('x');
        out.flush();
        assertThat(cancels).hasValue(0);

        watch.onComplete(null);
        watch.onError(null);
        assertThat(cancels).hasValue(1);
        AtomicInteger late = new AtomicInteger();
        watch.onEnd(late::incrementAndGet);
        assertThat(late).as("an action set after the end runs at once").hasValue(1);
    }

    /**
     * The response stream the application gets from the filter, over the container's {@link #container}; the
     * filter leaves its watch in {@link #attributes}.
     */
    private ServletOutputStream filteredOutput() throws Exception {
        ServletRequest request = proxy(ServletRequest.class, (method, args) -> switch (method) {
            case "setAttribute" -> {
                attributes.put((String) args[0], args[1]);
                yield null;
            }
            case "getAttribute" -> attributes.get((String) args[0]);
            case "isAsyncStarted" -> false;
            default -> throw new UnsupportedOperationException(method);
        });
        HttpServletResponse response = proxy(HttpServletResponse.class, (method, args) -> {
            if (method.equals("getOutputStream")) {
                return container;
            }
            throw new UnsupportedOperationException(method);
        });
        AtomicReference<ServletOutputStream> seen = new AtomicReference<>();
        new AsyncEnd().doFilter(request, response, (req, res) -> seen.set(res.getOutputStream()));
        return seen.get();
    }

    private interface Handler {
        Object handle(String method, Object[] args) throws Exception;
    }

    private static <T> T proxy(Class<T> type, Handler handler) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (self, method, args) -> handler.handle(method.getName(), args)));
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
