package dev.anyrouter.rest;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.relay.HeldResponse;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.SseEventSink;

/**
 * A relayed request's response, held by Jersey's {@link AsyncResponse} after its resource method returned, and
 * answered once by the relay: a 200 event stream ({@link EventStream}), a JSON answer, or an error through the
 * exception mappers. Each answer is written on the calling thread. {@code beforeAnswer} runs first (it stops the
 * watch on the client's connection).
 */
final class HeldAnswer implements HeldResponse {

    private final AsyncResponse async;
    private final Runnable beforeAnswer;

    HeldAnswer(AsyncResponse async, Runnable beforeAnswer) {
        this.async = async;
        this.beforeAnswer = beforeAnswer;
    }

    @Override
    public SseEventSink commit() {
        EventStream events = new EventStream();
        if (!async.resume(Response.ok(events, MediaType.SERVER_SENT_EVENTS_TYPE).build())) {
            throw new IllegalStateException("the client's request has ended");
        }
        return events;
    }

    @Override
    public void answer(String json) {
        beforeAnswer.run();
        try {
            async.resume(Response.ok(json, MediaType.APPLICATION_JSON_TYPE).build());
        } catch (IllegalStateException ended) {
            // Jersey's request scope is gone (past a shutdown's grace): the container ends the response
        }
    }

    /** Through the exception mappers: {@code resume(Throwable)}, as {@code resume(Object)} would make it the entity. */
    @Override
    public void fail(GatewayException failure) {
        beforeAnswer.run();
        try {
            async.resume((Throwable) failure);
        } catch (IllegalStateException ended) {
            // as above
        }
    }
}
