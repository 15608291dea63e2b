package dev.anyrouter.upstream;

import java.io.ByteArrayOutputStream;
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
 * body, taken from Jetty's content source without a thread waiting on it. A stream's chunks go through an
 * {@link SseSplitter}: {@link #poll()} gives the next whole event already here, and {@link #onReady} asks for a call
 * back once more of the body arrived. A non-streamed body is read whole, blocking ({@link #stream()}). Aborting
 * ({@link #abort()}) fails the exchange at once, in whatever phase, from any thread. A stream whose connection broke
 * has ended (the relay's codec decides whether what came was whole); one over its limits has failed. Either cause is
 * recorded in its {@link UpstreamBody}.
 *
 * <p>The source is read only inside its own demand callback ({@link #arrived()}), which Jetty runs serialized with
 * the connection's other events; the chunks read there wait in {@link #chunks} for the relay's thread. A demand is
 * made only when the relay has taken everything and asks for more, so a relay that stops asking stops the reading
 * of the upstream connection. Jetty's own listeners read only there too (docs/decisions/non-blocking-relay.md).
 */
final class JettyBody implements Response.Listener, UpstreamBody.Reader {

    /** How much one demand callback reads while more is already there. */
    private static final int READ_AHEAD = 64 << 10;

    private final Request exchange;
    private final UpstreamBody body;
    private final SseSplitter splitter;
    private final Scheduler scheduler;
    private final CompletableFuture<Response> headers = new CompletableFuture<>();
    private final Runnable arrived = this::arrived;
    /** Whole events split from the chunks, not yet polled. */
    private final ArrayDeque<SseEvent> ready = new ArrayDeque<>();
    /** Chunks read from the source, not yet taken; the last may be a failure or the end. */
    private final ArrayDeque<Content.Chunk> chunks = new ArrayDeque<>();
    private Content.Source source;
    /** Who waits for the next arrival; runs once. */
    private Runnable wake;
    /** A demand on the source has not called back yet. */
    private boolean demanding;
    /** The source gave its last chunk (the end, or a failure): nothing more is read from it. */
    private boolean sourceDone;
    /** After a normal end: what still comes is read and dropped, until {@link #deadline}. */
    private Scheduler.Task deadline;
    /** The chunk a blocking read of the whole body is in. */
    private Content.Chunk current;
    /** Every event or byte of the body was taken. */
    private boolean last;
    private IOException failure;
    /** The exchange failed (Jetty's complete event), whatever the source said. */
    private Throwable broken;
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
        boolean demand;
        synchronized (this) {
            source = content;
            demand = startDemand();
        }
        headers.complete(response);
        if (demand) {
            content.demand(arrived);
        }
    }

    @Override
    public void onComplete(Result result) {
        if (result.isFailed()) {
            headers.completeExceptionally(result.getFailure());
        }
        Runnable woken;
        synchronized (this) {
            if (source == null && !result.isFailed()) {
                sourceDone = true; // a response without a body
                last = true;
            } else if (result.isFailed()) {
                broken = result.getFailure(); // whatever the source still says, it has nothing more
            }
            woken = takeWake();
        }
        headers.complete(result.getResponse());
        if (woken != null) {
            woken.run();
        }
    }

    /** Jetty's demand callback: reads what is there (up to {@link #READ_AHEAD}) and wakes whoever waits for it. */
    private void arrived() {
        Content.Source from;
        synchronized (this) {
            demanding = false;
            from = source;
        }
        int read = 0;
        while (read < READ_AHEAD) {
            Content.Chunk chunk = from.read();
            if (chunk == null) {
                break;
            }
            read += chunk.remaining();
            boolean terminal = chunk.isLast() || Content.Chunk.isFailure(chunk);
            synchronized (this) {
                if (deadline != null || sourceDone) {
                    chunk.release(); // after the stream's end: the rest is dropped
                } else {
                    chunks.add(chunk);
                }
                sourceDone |= terminal;
            }
            if (terminal) {
                break;
            }
        }
        Runnable woken;
        boolean again;
        synchronized (this) {
            woken = read > 0 || sourceDone ? takeWake() : null;
            if (deadline != null && sourceDone) {
                deadline.cancel();
            }
            again = deadline != null ? !sourceDone && !aborted && startDemandAlways() : startDemand();
        }
        if (again) {
            from.demand(arrived);
        }
        if (woken != null) {
            woken.run();
        }
    }

    /** Whether to demand now: someone waits, nothing is here, nothing is asked for yet. Under the lock. */
    private boolean startDemand() {
        if (wake == null || source == null || sourceDone || broken != null || demanding || !chunks.isEmpty()) {
            return false;
        }
        demanding = true;
        return true;
    }

    /** Whether to demand the rest of a body that ended normally. Under the lock. */
    private boolean startDemandAlways() {
        if (demanding) {
            return false;
        }
        demanding = true;
        return true;
    }

    private Runnable takeWake() {
        Runnable woken = wake;
        wake = null;
        return woken;
    }

    @Override
    public SseEvent poll() throws IOException {
        JettyConnector.TooLarge tooLarge;
        SseEvent event;
        IOException thrown;
        synchronized (this) {
            tooLarge = split();
            event = ready.poll();
            thrown = event == null ? failure : null;
        }
        if (tooLarge != null) {
            exchange.abort(tooLarge); // outside the lock: Jetty may call back into this body at once
        }
        if (thrown != null) {
            throw thrown;
        }
        return event;
    }

    /** Splits what was read into events, until there is one; an excess ends the body. Under the lock. */
    private JettyConnector.TooLarge split() {
        while (ready.isEmpty() && !last && failure == null) {
            Content.Chunk chunk = chunks.poll();
            if (chunk == null && broken != null) {
                chunk = Content.Chunk.from(broken, true);
            }
            if (chunk == null) {
                return null;
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
                return e;
            } finally {
                chunk.release();
            }
        }
        return null;
    }

    @Override
    public synchronized boolean ended() {
        return last && ready.isEmpty();
    }

    @Override
    public void onReady(Runnable then) {
        Content.Source demanded;
        synchronized (this) {
            if (!ready.isEmpty() || !chunks.isEmpty() || last || failure != null || broken != null) {
                demanded = null;
            } else {
                Runnable before = wake;
                wake = before == null ? then : () -> {
                    before.run();
                    then.run();
                };
                demanded = startDemand() ? source : null;
                if (demanded == null) {
                    return; // an arrival, the source or the exchange's end will wake it
                }
            }
        }
        if (demanded == null) {
            then.run();
        } else {
            demanded.demand(arrived);
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
        Content.Source demanded;
        synchronized (this) {
            chunks.forEach(Content.Chunk::release);
            chunks.clear();
            if (sourceDone || broken != null || aborted || source == null) {
                return;
            }
            deadline = scheduler.schedule(this::abort, wait.toMillis(), TimeUnit.MILLISECONDS);
            demanded = startDemandAlways() ? source : null;
        }
        if (demanded != null) {
            demanded.demand(arrived);
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
                JettyBody.this.close();
            }
        };
    }

    /** Lets go of the body: aborts the exchange unless the body was read to its end or failed. */
    @Override
    public void close() {
        synchronized (this) {
            if (current != null) {
                current.release();
                current = null;
            }
            if (last || failure != null) {
                return;
            }
        }
        abort();
    }

    private int readBlocking(byte[] buffer, int offset, int length) throws IOException {
        while (true) {
            int read = readNow(buffer, offset, length);
            if (read != 0 || length == 0) {
                return read;
            }
            CountDownLatch arrival = new CountDownLatch(1);
            onReady(arrival::countDown);
            try {
                arrival.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abort();
                throw new IOException("interrupted while reading the upstream body", e);
            }
        }
    }

    /**
     * Reads the body to its end, at most {@code limit} bytes of it, without a thread waiting: completes with them
     * (on whichever thread read the last), or with the body's failure.
     */
    @Override
    public CompletableFuture<byte[]> readAll(int limit) {
        CompletableFuture<byte[]> whole = new CompletableFuture<>();
        new Gathering(limit, whole).run();
        return whole;
    }

    /** One body read whole on arrivals ({@link #readAll}). */
    private final class Gathering implements Runnable {
        private final byte[] buffer = new byte[8192];
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final int limit;
        private final CompletableFuture<byte[]> whole;

        Gathering(int limit, CompletableFuture<byte[]> whole) {
            this.limit = limit;
            this.whole = whole;
        }

        @Override
        public void run() {
            try {
                while (bytes.size() < limit) {
                    int read = readNow(buffer, 0, Math.min(buffer.length, limit - bytes.size()));
                    if (read < 0) {
                        break;
                    }
                    if (read == 0) {
                        onReady(this);
                        return;
                    }
                    bytes.write(buffer, 0, read);
                }
                whole.complete(bytes.toByteArray());
            } catch (IOException | RuntimeException e) {
                whole.completeExceptionally(e);
            }
        }
    }

    /** What of the body is here, up to {@code length} bytes: their count, 0 when none is here yet, -1 at its end. */
    private synchronized int readNow(byte[] buffer, int offset, int length) throws IOException {
        while (true) {
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
            Content.Chunk chunk = chunks.poll();
            if (chunk == null && broken != null) {
                chunk = Content.Chunk.from(broken, true);
            }
            if (chunk == null) {
                return 0;
            }
            if (Content.Chunk.isFailure(chunk)) {
                failed(chunk.getFailure());
                chunk.release();
            } else {
                last = chunk.isLast();
                current = chunk;
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
