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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An upstream scripted by the test: each try waits for its headers until the test answers it ({@link Try}), and
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
    public UpstreamStream open(Target target, Endpoint endpoint, boolean stream, Runnable onSent, Abort abort) {
        Try next = new Try(abort, onSent);
        count.incrementAndGet();
        tries.add(next);
        try {
            return next.headers.get();
        } catch (ExecutionException e) {
            throw (GatewayException) e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An answered exchange: its body is what the test pushes. */
    static final class FakeStream implements UpstreamStream {
        private static final Object END = new Object();
        private static final Object ABORTED = new Object();

        private final int status;
        private final Optional<String> retryAfter;
        private final LinkedBlockingDeque<Object> body = new LinkedBlockingDeque<>();
        private final AtomicReference<Runnable> waiting = new AtomicReference<>();
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
        public UpstreamErrors.Refused refusal() {
            return new UpstreamErrors.Refused(GatewayException.upstream(status, ErrorTypes.OVERLOADED,
                    "upstream 'openai' is overloaded", retryAfter, null, true), Verdict.FAILED);
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
        public String text(int limit) throws IOException {
            Object next = take();
            if (next instanceof String json) {
                return json;
            }
            throw new IOException("aborted");
        }

        private Object take() {
            try {
                return body.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ABORTED;
            }
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
