package dev.anyrouter.translate;

import dev.anyrouter.api.errors.GatewayException;
import java.io.IOException;

/**
 * What one request's relay does with the upstream's output so the client gets its own API's wire format: passes
 * it through (with the gateway's generation id) when both sides speak the same API, translates it otherwise.
 * It records what reached the client in the request's {@code Generation}. Only the relay thread calls it.
 */
public interface Translation {

    /**
     * Handles one upstream server-sent event, sending the client's events to {@code out}. True once the client's
     * stream is complete. Throws a {@link GatewayException} for an upstream error event, an {@link IOException}
     * for an event it cannot read.
     */
    boolean event(String name, String data, Out out) throws IOException;

    /**
     * The upstream's body ended without its last event. Completes the client's stream and returns true when the
     * answer itself was complete (its finish reason arrived); false when it was cut off.
     */
    boolean end(Out out);

    /** Reports a failure after the client's stream started, in the client's format. */
    void fail(GatewayException failure, Out out);

    /** A whole non-streamed upstream answer, as the client's JSON. */
    String completion(String json) throws IOException;

    /** Where a translation sends the client's events. */
    @FunctionalInterface
    interface Out {
        /** Sends one event ({@code name} is {@code null} for an unnamed one); false when the client is gone. */
        boolean send(String name, String data);
    }
}
