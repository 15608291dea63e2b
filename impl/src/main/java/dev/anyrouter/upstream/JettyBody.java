package dev.anyrouter.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * One upstream exchange's response as {@link JettyConnector} receives it: the headers ({@link #headers()}), then the
 * body read straight from Jetty's content source, a chunk at a time, without a thread waiting on it. A stream's
 * chunks go through an {@link SseSplitter}: {@link #poll()} gives the next whole event already here, and
 * {@link #onReady} asks Jetty to call back once more of the body arrived. A non-streamed body is read whole, blocking
 * ({@link #stream()}). Aborting ({@link #abort()}) fails the exchange at once, in whatever phase, from any thread. A
 * stream whose connection broke has ended (the relay's codec decides whether what came was whole); one over its
 * limits has failed. Either cause is recorded in its {@link UpstreamBody}.
 */
final class JettyBody implements Response.Listener, UpstreamBody.Reader {

    private final Request exchange;
    private final UpstreamBody body;
    private final SseSplitter splitter;
    private final Scheduler scheduler;
    private final CompletableFuture<Response> headers = new CompletableFuture<>();
    private final ArrayDeque<SseEvent> ready = new ArrayDeque<>();
    private Content.Source source;
    /** A wake asked for before the source arrived. */
    private Runnable pending;
    /** The chunk a blocking read of the whole body is in. */
    private Content.Chunk current;
    private boolean last;
    private IOException failure;
    private volatile boolean aborted;

    JettyBody(Request exchange, UpstreamBody body, Scheduler scheduler) {
        this.exchange = exchange;
        this.body = body;
        this.splitter = new SseSplitter(body.maxEventBytes(), body.maxStreamBytes());
        this.scheduler = scheduler;
        body.attach(this);
    }

    /** Completes once the headers and the body's source are here, or fails with the exchange. */
    CompletableFuture<Response> headers() {
        return headers;
    }

    @Override
    public void onContentSource(Response response, Content.Source content) {
        Runnable wake;
        synchronized (this) {
            source = content;
            wake = pending;
            pending = null;
        }
        headers.complete(response);
        if (wake != null) {
            content.demand(wake);
        }
    }

    @Override
    public void onComplete(Result result) {
        if (result.isFailed()) {
            headers.completeExceptionally(result.getFailure());
        }
        Runnable wake;
        synchronized (this) {
            if (source == null && !result.isFailed()) {
                last = true; // a response without a body
            }
            wake = source == null ? pending : null;
            pending = null;
        }
        headers.complete(result.getResponse());
        if (wake != null) {
            wake.run();
        }
    }

    @Override
    public synchronized SseEvent poll() throws IOException {
        while (ready.isEmpty() && !last && failure == null && source != null) {
            Content.Chunk chunk = source.read();
            if (chunk == null) {
                break;
            }
            try {
                if (Content.Chunk.isFailure(chunk) && aborted) {
                    failed(chunk.getFailure());
                } else if (Content.Chunk.isFailure(chunk)) {
                    // A broken connection ends the stream: the codec decides whether what came was whole.
                    body.failed(asIo(chunk.getFailure()));
                    last = true;
                } else {
                    splitter.feed(chunk.getByteBuffer(), ready::add);
                    last = chunk.isLast();
                }
            } catch (JettyConnector.TooLarge e) {
                failed(e);
                exchange.abort(e);
            } finally {
                chunk.release();
            }
        }
        if (!ready.isEmpty()) {
            return ready.poll();
        }
        if (failure != null) {
            throw failure;
        }
        return null;
    }

    @Override
    public synchronized boolean ended() {
        return last && ready.isEmpty();
    }

    @Override
    public void onReady(Runnable wake) {
        Content.Source demanded;
        synchronized (this) {
            if (source == null && !last && failure == null) {
                pending = wake;
                return;
            }
            demanded = last || failure != null || !ready.isEmpty() ? null : source;
        }
        if (demanded == null) {
            wake.run();
        } else {
            demanded.demand(wake);
        }
    }

    private void failed(Throwable cause) {
        failure = asIo(cause);
        if (!aborted) {
            body.failed(failure);
        }
    }

    private static IOException asIo(Throwable cause) {
        return cause instanceof IOException io ? io : new IOException(cause.getMessage(), cause);
    }

    /** Aborts the exchange, in whatever phase; safe from any thread, any number of times. */
    void abort() {
        aborted = true;
        exchange.abort(new Aborted());
    }

    /**
     * After a normal end of the stream ({@code [DONE]}): the rest of the body (the terminating chunk) is normally on
     * its way, and once it is read the connection serves the next request. Reads on without waiting, and aborts if
     * the end has not come within {@code wait}.
     */
    @Override
    public void finish(Duration wait) {
        Scheduler.Task deadline = scheduler.schedule(this::abort, wait.toMillis(), TimeUnit.MILLISECONDS);
        drain(deadline);
    }

    private void drain(Scheduler.Task deadline) {
        while (true) {
            Content.Chunk chunk;
            synchronized (this) {
                if (last || failure != null || aborted || source == null) {
                    deadline.cancel();
                    return;
                }
                chunk = source.read();
                if (chunk != null) {
                    last = chunk.isLast() || Content.Chunk.isFailure(chunk);
                    chunk.release();
                    continue;
                }
            }
            source.demand(() -> drain(deadline));
            return;
        }
    }

    /** The body as a blocking stream, for a non-streamed answer or an error body; closing it early aborts. */
    InputStream stream() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                return readBlocking(buffer, offset, length);
            }

            @Override
            public void close() {
                synchronized (JettyBody.this) {
                    if (last || failure != null) {
                        return;
                    }
                }
                abort();
            }
        };
    }

    private int readBlocking(byte[] buffer, int offset, int length) throws IOException {
        while (true) {
            synchronized (this) {
                if (current != null && current.hasRemaining()) {
                    ByteBuffer bytes = current.getByteBuffer();
                    int n = Math.min(length, bytes.remaining());
                    bytes.get(buffer, offset, n);
                    return n;
                }
                if (current != null) {
                    current.release();
                    current = null;
                }
                if (failure != null) {
                    throw failure;
                }
                if (last) {
                    return -1;
                }
                if (source != null) {
                    Content.Chunk chunk = source.read();
                    if (chunk != null) {
                        if (Content.Chunk.isFailure(chunk)) {
                            failed(chunk.getFailure());
                        } else {
                            last = chunk.isLast();
                            current = chunk;
                        }
                        continue;
                    }
                }
            }
            CountDownLatch arrived = new CountDownLatch(1);
            onReady(arrived::countDown);
            try {
                arrived.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abort();
                throw new IOException("interrupted while reading the upstream body", e);
            }
        }
    }

    /** The cause an abort gives the exchange: no stack trace, as aborting is the normal way a cancelled stream ends. */
    private static final class Aborted extends CancellationException {
        private static final long serialVersionUID = 1L;

        Aborted() {
            super("aborted by the gateway");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
