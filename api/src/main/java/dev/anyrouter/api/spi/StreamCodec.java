package dev.anyrouter.api.spi;

import dev.anyrouter.api.errors.GatewayException;
import java.io.IOException;

/**
 * What one request's relay does with the upstream's answer so the client gets its own API's wire format: passes it
 * through (with the gateway's generation id) when both sides speak the same API, translates it otherwise. It
 * reports what reached the client to the request's {@link Tally}. One thread calls it at a time.
 */
public interface StreamCodec {

    /**
     * Handles one upstream server-sent event, sending the client's events to {@code out}. True once the client's
     * stream is complete. Throws a {@link GatewayException} for an upstream error event, an {@link IOException}
     * for an event it cannot read.
     */
    boolean event(String name, String data, Emitter out) throws IOException;

    /**
     * The upstream's body ended without its last event. Completes the client's stream and returns true when the
     * answer itself was complete (its finish reason arrived); false when it was cut off.
     */
    boolean end(Emitter out);

    /** Reports a failure after the client's stream started, in the client's format. */
    void fail(GatewayException failure, Emitter out);

    /** A whole non-streamed upstream answer, as the client's JSON. */
    String completion(String json) throws IOException;
}
