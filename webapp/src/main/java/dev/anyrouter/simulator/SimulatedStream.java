package dev.anyrouter.simulator;

import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.List;

/**
 * Sends one simulated stream: each step writes the next events on one of the simulator's writer threads and has
 * the timer hand the step after it to a writer when its delay is up, so no thread waits between chunks and a client
 * that does not read holds up only its own stream. Stops at the first failed write (the reader left).
 */
final class SimulatedStream implements Runnable {

    /** One server-sent event; {@code name} is {@code null} for an unnamed one (chat completions). */
    record Event(String name, String data) {
    }

    private final List<Event> chunks;
    private final int lead;
    private final int pieces;
    private final Knobs knobs;
    private final Event failure;
    private final SseEventSink sink;
    private final Sse sse;
    private final Simulator simulator;
    private int next;

    /**
     * @param chunks  every event up to the end; the {@code lead} first go out with the first piece, the ones after
     *                the {@code pieces} content events go out with the last piece
     * @param failure the event a stream configured to fail ends with ({@code fail_mode "error"})
     */
    SimulatedStream(List<Event> chunks, int lead, int pieces, Knobs knobs, Event failure, SseEventSink sink,
            Sse sse, Simulator simulator) {
        this.chunks = chunks;
        this.lead = lead;
        this.pieces = pieces;
        this.knobs = knobs;
        this.failure = failure;
        this.sink = sink;
        this.sse = sse;
        this.simulator = simulator;
    }

    /**
     * Called from the resource method. Without a first-token delay the first step runs right here: a sink that
     * another thread writes and closes while Jersey is still finishing the resource call can lose the response
     * (Jersey issue 5439), and writing from the resource method first makes Jersey commit it on this thread.
     */
    void start() {
        simulator.opened(this);
        if (knobs.firstTokenMillis() == 0) {
            run();
        } else {
            simulator.later(this, knobs.firstTokenMillis(), this::close);
        }
    }

    @Override
    public void run() {
        try {
            step();
        } catch (IllegalStateException gone) {
            // the response is over (the client left, the server is stopping): nothing more to write
        }
    }

    private void step() {
        // The lead events (role chunk, or message_start and content_block_start) go out with the first piece, the
        // closing ones with the last; pieces in between one delay apart.
        do {
            if (knobs.failAfter() >= 0 && next == knobs.failAfter() + lead) {
                if ("error".equals(knobs.failMode())) {
                    send(failure);
                }
                close();
                return;
            }
            if (next == chunks.size()) {
                if (chunks.get(0).name() == null) {
                    send(new Event(null, "[DONE]"));
                }
                close();
                return;
            }
            if (!send(chunks.get(next++))) {
                close();
                return;
            }
        } while (next <= lead || next >= lead + pieces || knobs.chunkDelayMillis() == 0);
        simulator.later(this, knobs.chunkDelayMillis(), this::close);
    }

    /** Closes the sink; a response the server has already ended (its request scope shut down) stays ended. */
    void close() {
        simulator.closed(this);
        try {
            sink.close();
        } catch (IllegalStateException gone) {
            // already ended
        }
    }

    private boolean send(Event event) {
        if (sink.isClosed()) {
            return false;
        }
        try {
            return !sink.send(event.name() == null ? sse.newEvent(event.data()) : sse.newEvent(event.name(),
                    event.data())).toCompletableFuture().isCompletedExceptionally();
        } catch (IllegalStateException closed) {
            return false;
        }
    }
}
