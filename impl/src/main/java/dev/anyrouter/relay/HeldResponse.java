package dev.anyrouter.relay;

import dev.anyrouter.api.errors.GatewayException;
import jakarta.ws.rs.sse.SseEventSink;

/**
 * The client's response while the relay holds it, nothing sent yet: the resource method has returned, and the
 * relay answers it once, in one of three ways. {@code rest/HeldAnswer} answers it through Jersey's
 * {@code AsyncResponse}; tests record it.
 */
public interface HeldResponse {

    /**
     * Sends the 200 of an event stream and its headers: the events written to the sink returned follow them. Throws
     * {@link IllegalStateException} when the client's request has ended meanwhile.
     */
    SseEventSink commit();

    /** Answers with a whole JSON body (a non-streamed answer). */
    void answer(String json);

    /** Answers with {@code failure}'s status and its error body. */
    void fail(GatewayException failure);
}
