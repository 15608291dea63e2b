package dev.anyrouter.upstream;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * The relay's handle on an upstream body below Jersey, passed to the connector as a request property. It
 * records why the body ended early: Jersey's SSE reader reports a broken connection (reset, idle timeout) as a
 * plain end of stream, and the relay must tell a finished upstream from a failed one. And it lets a stream that
 * ended normally give its connection back to the pool instead of aborting it. And it tells whether the next
 * event is already buffered, so the relay can batch writes as a byte proxy does.
 */
final class UpstreamBody {

    static final String PROPERTY = "dev.anyrouter.upstream.body";

    /** The connector's side: see {@code JettyConnector}. */
    interface Finisher {
        /** Ends a body normally, within a bounded wait. */
        void finish(Duration wait) throws IOException;

        /** True when a whole next event is already buffered: reading it will not wait for the network. */
        boolean eventBuffered();
    }

    private final Runnable onSent;
    private final long maxEventBytes;
    private final long maxStreamBytes;
    private volatile IOException failure;
    private volatile Finisher finisher;

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

    void attach(Finisher body) {
        finisher = body;
    }

    boolean eventBuffered() {
        Finisher body = finisher;
        return body != null && body.eventBuffered();
    }

    /** After a normal end: lets the rest of the body arrive (at most {@code wait}) so the connection is reused. */
    void finish(Duration wait) throws IOException {
        if (finisher != null) {
            finisher.finish(wait);
        }
    }
}
