package dev.anyrouter.simulator;

import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Sends one simulated stream on the simulator's timer: each step writes the next event and schedules the one
 * after it, so no thread waits between chunks. Stops at the first failed write (the reader left).
 */
final class SimulatedStream implements Runnable {

    private final List<String> chunks;
    private final int pieces;
    private final Knobs knobs;
    private final String failure;
    private final SseEventSink sink;
    private final Sse sse;
    private final ScheduledExecutorService timer;
    private int next;

    SimulatedStream(List<String> chunks, int pieces, Knobs knobs, String failure, SseEventSink sink, Sse sse,
            ScheduledExecutorService timer) {
        this.chunks = chunks;
        this.pieces = pieces;
        this.knobs = knobs;
        this.failure = failure;
        this.sink = sink;
        this.sse = sse;
        this.timer = timer;
    }

    /**
     * Called from the resource method. Without a first-token delay the first step runs right here: a sink that
     * another thread writes and closes while Jersey is still finishing the resource call can lose the response
     * (Jersey issue 5439), and writing from the resource method first makes Jersey commit it on this thread.
     */
    void start() {
        if (knobs.firstTokenMillis() == 0) {
            run();
        } else {
            timer.schedule(this, knobs.firstTokenMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void run() {
        // chunks: role, pieces 1..n, finish, usage. The role chunk goes out with the first piece, the finish
        // (and usage) with the last; pieces in between one delay apart.
        do {
            if (knobs.failAfter() >= 0 && next == knobs.failAfter() + 1) {
                if ("error".equals(knobs.failMode())) {
                    send(failure);
                }
                sink.close();
                return;
            }
            if (next == chunks.size()) {
                send("[DONE]");
                sink.close();
                return;
            }
            if (!send(chunks.get(next++))) {
                sink.close();
                return;
            }
        } while (next <= 1 || next > pieces || knobs.chunkDelayMillis() == 0);
        timer.schedule(this, knobs.chunkDelayMillis(), TimeUnit.MILLISECONDS);
    }

    private boolean send(String data) {
        if (sink.isClosed()) {
            return false;
        }
        try {
            return !sink.send(sse.newEvent(data)).toCompletableFuture().isCompletedExceptionally();
        } catch (IllegalStateException closed) {
            return false;
        }
    }
}
