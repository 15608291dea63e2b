package dev.anyrouter.relay;

import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.config.Endpoint;
import dev.anyrouter.routing.Verdict;
import dev.anyrouter.upstream.Abort;
import dev.anyrouter.upstream.SseEvent;
import dev.anyrouter.upstream.UpstreamErrors;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An upstream scripted by the test: each try's headers come when the test answers it ({@link Try}), and
 * an answered stream hands out the events the test pushes ({@link FakeStream}). An abort fails the try or the read
 * at once, as the Jetty request's abort does.
 */
final class FakeUpstream implements UpstreamStream.Opener {

    private final BlockingQueue<Try> tries = new LinkedBlockingQueue<>();
    private final AtomicInteger count = new AtomicInteger();

    /** One try, waiting for its headers. */
    static final class Try {
        private final Abort abort;
        private final Runnable onSent;
        private final CompletableFuture<UpstreamStream> headers = new CompletableFuture<>();

        Try(Abort abort, Runnable onSent) {
            this.abort = abort;
            this.onSent = onSent;
            abort.onAbort(() -> headers.completeExceptionally(GatewayException.upstream(502, ErrorTypes.UPSTREAM,
                    "upstream 'openai' request failed", Optional.empty(), null, true)));
        }

        Abort abort() {
            return abort;
        }

        /** The request reached the upstream whole. */
        void sent() {
            onSent.run();
        }

        /** The headers arrive with {@code status}; the body follows from the stream returned. */
        FakeStream answer(int status) {
            FakeStream stream = new FakeStream(status, Optional.empty());
            abort.onAbort(stream::close);
            headers.complete(stream);
            return stream;
        }

        /** A retryable refusal, with {@code Retry-After} in seconds. */
        void refuse(int status, String retryAfter) {
            headers.complete(new FakeStream(status, Optional.of(retryAfter)));
        }
    }

    /** The next try the relay makes, waiting for it. */
    Try nextTry() throws InterruptedException {
        Try next = tries.poll(10, TimeUnit.SECONDS);
        if (next == null) {
            throw new AssertionError("the relay made no try");
        }
        return next;
    }

    int tries() {
        return count.get();
    }

    @Override
    public CompletableFuture<UpstreamStream> open(Target target, Endpoint endpoint, boolean stream, Runnable onSent,
            Abort abort) {
        Try next = new Try(abort, onSent);
        count.incrementAndGet();
        tries.add(next);
        return next.headers;
    }

    /** An answered exchange: its body is what the test pushes. */
    static final class FakeStream implements UpstreamStream {
        private static final Object END = new Object();
        private static final Object ABORTED = new Object();

        private final int status;
        private final Optional<String> retryAfter;
        private final LinkedBlockingDeque<Object> body = new LinkedBlockingDeque<>();
        private final AtomicReference<Runnable> waiting = new AtomicReference<>();
        private final AtomicReference<CompletableFuture<String>> reading = new AtomicReference<>();
        private volatile boolean closed;
        private volatile boolean finished;

        FakeStream(int status, Optional<String> retryAfter) {
            this.status = status;
            this.retryAfter = retryAfter;
        }

        void events(String... data) {
            for (String each : data) {
                add(new SseEvent(null, each));
            }
        }

        void fail(GatewayException failure) {
            add(failure);
        }

        void text(String json) {
            add(json);
        }

        /** The end of the body. */
        void end() {
            add(END);
        }

        private void add(Object next) {
            body.add(next);
            woken();
        }

        private void woken() {
            Runnable wake = waiting.getAndSet(null);
            if (wake != null) {
                wake.run();
            }
            CompletableFuture<String> text = body.isEmpty() ? null : reading.getAndSet(null);
            if (text != null) {
                Object next = body.poll();
                if (next instanceof String json) {
                    text.complete(json);
                } else {
                    text.completeExceptionally(new IOException("aborted"));
                }
            }
        }

        boolean closed() {
            return closed;
        }

        boolean finished() {
            return finished;
        }

        @Override
        public int status() {
            return status;
        }

        @Override
        public boolean ok() {
            return status / 100 == 2;
        }

        @Override
        public CompletableFuture<UpstreamErrors.Refused> refusal() {
            return CompletableFuture.completedFuture(new UpstreamErrors.Refused(GatewayException.upstream(status,
                    ErrorTypes.OVERLOADED, "upstream 'openai' is overloaded", retryAfter, null, true),
                    Verdict.FAILED));
        }

        @Override
        public SseEvent poll() {
            Object next = body.peek();
            if (next == null || next == END) {
                return null;
            }
            if (next == ABORTED) {
                throw GatewayException.upstream(502, ErrorTypes.UPSTREAM, "upstream 'openai' connection failed "
                        + "mid-stream", Optional.empty(), null, true);
            }
            if (next instanceof GatewayException failure) {
                throw failure;
            }
            return (SseEvent) body.poll();
        }

        @Override
        public boolean ended() {
            return body.peek() == END;
        }

        @Override
        public void onReady(Runnable wake) {
            waiting.set(wake);
            if (!body.isEmpty()) {
                woken();
            }
        }

        @Override
        public CompletableFuture<String> text(int limit) {
            CompletableFuture<String> text = new CompletableFuture<>();
            reading.set(text);
            woken();
            return text;
        }

        @Override
        public Optional<GatewayException> bodyFailure() {
            return Optional.empty();
        }

        @Override
        public void finish(Duration wait) {
            finished = true;
        }

        @Override
        public void close() {
            closed = true;
            body.addFirst(ABORTED); // a waiting read fails at once, whatever was buffered
            woken();
        }
    }
}
