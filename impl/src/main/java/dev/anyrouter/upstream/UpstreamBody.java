package dev.anyrouter.upstream;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The relay's handle on an upstream body below Jersey, passed to the connector as a request property. Through it
 * the relay takes a stream's events as they arrive, without a thread waiting ({@link #poll}, {@link #onReady}); it
 * records why the body ended early, so the relay can tell a finished upstream from a failed one; and it lets a
 * stream that ended normally give its connection back to the pool instead of aborting it.
 */
final class UpstreamBody {

    static final String PROPERTY = "dev.anyrouter.upstream.body";

    /** The connector's side: see {@code JettyBody}. */
    interface Reader {
        /** The next whole event already here, or {@code null}; throws when the body failed. */
        SseEvent poll() throws IOException;

        /** True once the body ended and every event was taken. */
        boolean ended();

        /** Runs {@code wake} once more of the body (or its end, or a failure) arrived; at once if it has. */
        void onReady(Runnable wake);

        /** The body to its end, at most {@code limit} bytes of it, read as it arrives, without a thread waiting. */
        CompletableFuture<byte[]> readAll(int limit);

        /** Ends a body normally, letting its end arrive within {@code wait}, without waiting for it. */
        void finish(Duration wait);

        /** Aborts the exchange unless the body was read to its end. */
        void close();
    }

    private final Runnable onSent;
    private final long maxEventBytes;
    private final long maxStreamBytes;
    private volatile IOException failure;
    private volatile Reader reader;

    /**
     * @param onSent         runs (on the client's thread) once the request has reached the upstream (its head written)
     * @param maxEventBytes  the largest event the body may hold, or 0 for a body that is not a stream of events
     * @param maxStreamBytes the most bytes the body may hold, or 0 for no limit
     */
    UpstreamBody(Runnable onSent, long maxEventBytes, long maxStreamBytes) {
        this.onSent = onSent;
        this.maxEventBytes = maxEventBytes;
        this.maxStreamBytes = maxStreamBytes;
    }

    long maxEventBytes() {
        return maxEventBytes;
    }

    long maxStreamBytes() {
        return maxStreamBytes;
    }

    void sent() {
        onSent.run();
    }

    void failed(IOException e) {
        if (failure == null) {
            failure = e;
        }
    }

    Optional<IOException> failure() {
        return Optional.ofNullable(failure);
    }

    void attach(Reader body) {
        reader = body;
    }

    Reader reader() {
        return reader;
    }
}
