package dev.anyrouter.rest;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.relay.HeldResponse;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.SseEventSink;
import java.io.IOException;

/**
 * A relayed request's response, held by Jersey's {@link AsyncResponse} after its resource method returned, and
 * answered once by the relay: a 200 event stream ({@link EventStream}), a JSON answer, or an error through the
 * exception mappers. Each answer is written on the calling thread. {@code beforeAnswer} runs first (it stops the
 * watch on the client's connection).
 *
 * <p>An answer is given only while the request's async cycle has not ended ({@link AsyncEnd}): once the container
 * ended it (a client that left, seen by the watch), it may recycle the request at once, and Jersey resuming it then
 * failed inside the container's recycled request.
 */
final class HeldAnswer implements HeldResponse {

    private final AsyncResponse async;
    private final AsyncEnd cycle;
    private final Runnable beforeAnswer;

    /** @param cycle the end of the request's async cycle; {@code null} when none is kept */
    HeldAnswer(AsyncResponse async, AsyncEnd cycle, Runnable beforeAnswer) {
        this.async = async;
        this.cycle = cycle;
        this.beforeAnswer = beforeAnswer;
    }

    @Override
    public SseEventSink commit() {
        EventStream events = new EventStream();
        if (!resume(Response.ok(events, MediaType.SERVER_SENT_EVENTS_TYPE).build(), false)) {
            throw new IllegalStateException("the client's request has ended");
        }
        return events;
    }

    @Override
    public void answer(String json) {
        answer(Response.ok(json, MediaType.APPLICATION_JSON_TYPE).build());
    }

    /** Answers with {@code response}: a JSON answer with headers of its own. */
    void answer(Response response) {
        resume(response, true);
    }

    /** Through the exception mappers: {@code resume(Throwable)}, as {@code resume(Object)} would make it the entity. */
    @Override
    public void fail(GatewayException failure) {
        resume(failure, true);
    }

    /**
     * Resumes the held response with {@code answer} (a {@code Throwable} goes through the exception mappers) while its
     * cycle lasts, which its end then waits for; false when the request has ended.
     */
    private boolean resume(Object answer, boolean stopWatch) {
        if (cycle != null) {
            try {
                cycle.enter();
            } catch (IOException ended) {
                return false;
            }
        }
        try {
            if (stopWatch) {
                beforeAnswer.run();
            }
            return answer instanceof Throwable failure ? async.resume(failure) : async.resume(answer);
        } catch (IllegalStateException ended) {
            return false; // Jersey's request scope is gone (past a shutdown's grace): the container ends the response
        } finally {
            if (cycle != null) {
                cycle.leave();
            }
        }
    }
}
