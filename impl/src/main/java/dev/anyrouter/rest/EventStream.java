package dev.anyrouter.rest;

import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.glassfish.jersey.server.ChunkedOutput;

/**
 * A stream's {@link SseEventSink}: Jersey's {@link ChunkedOutput} of SSE events, the same output and event writer as
 * the sink Jersey injects, handed to the client's {@code AsyncResponse} as the entity of its 200 once the relay
 * commits it ({@link HeldAnswer}). Unlike the injected one it is not flushed as the resource method returns, so the
 * method need not wait for the upstream to hold the 200 (docs/decisions/held-response.md).
 */
final class EventStream extends ChunkedOutput<OutboundSseEvent> implements SseEventSink {

    EventStream() {
        super(new byte[] {'\n'}); // each event ends with a blank line: its own line end, then this one
    }

    /** Writes and flushes the event; the stage has failed when the client is gone or the stream closed. */
    @Override
    public CompletionStage<?> send(OutboundSseEvent event) {
        try {
            write(event);
            return CompletableFuture.completedFuture(null);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public void close() {
        try {
            super.close();
        } catch (IOException clientGone) {
            // what was left could not be written: the client is gone, and the response ends all the same
        }
    }
}
