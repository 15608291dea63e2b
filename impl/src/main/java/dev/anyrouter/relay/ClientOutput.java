package dev.anyrouter.relay;

import java.io.IOException;

/**
 * The relay's hold on the client's response stream (given to each request by the {@code GatewayFilter} servlet
 * filter, and attached by {@code rest/ResponseOutput}): it switches a stream that has begun to non-blocking writes,
 * so that no thread waits on a slow client, and lets the relay write several events with one flush, as a byte proxy
 * does. Before that (up to the first byte, and where the container cannot switch) each event is written and flushed
 * as Jersey writes it, blocking.
 *
 * <p>Non-blocking writes ({@link #nonBlocking}): events gather in the stream's own buffer, Jersey's flushes do
 * nothing, and {@link #push()} hands what gathered to the container in one write. While the container is still
 * writing, the relay reads nothing more from the upstream; the stream calls back once the write is done. So a slow
 * client's backpressure reaches the upstream socket, a buffer at a time.
 */
public final class ClientOutput {

    /** The response stream's side. */
    public interface Port {
        /**
         * Switches to non-blocking writes; {@code writable} runs (on a container thread) each time a write the
         * container could not finish at once is done, {@code failed} when the client's connection failed. False
         * when the container cannot switch: writes stay blocking.
         */
        boolean nonBlocking(Runnable writable, Runnable failed);

        /**
         * Hands what gathered to the container; true when it took all of it and can take more now, false while it
         * is still writing ({@code writable} follows).
         */
        boolean push() throws IOException;

        /**
         * Ends a non-blocking response: closes the container's stream once what gathered has left (the container's
         * end of the async cycle alone would leave it open).
         */
        void finish() throws IOException;
    }

    private volatile Port port;

    /** The response stream this request writes through; called once, when the application first takes it. */
    public void attach(Port stream) {
        port = stream;
    }

    /** See {@link Port#nonBlocking}; false also before anything was written, when there is no stream yet. */
    boolean nonBlocking(Runnable writable, Runnable failed) {
        Port stream = port;
        return stream != null && stream.nonBlocking(writable, failed);
    }

    /** See {@link Port#push}. */
    boolean push() throws IOException {
        return port.push();
    }

    /** See {@link Port#finish}. */
    void finish() throws IOException {
        port.finish();
    }
}
