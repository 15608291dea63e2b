package dev.anyrouter.relay;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.StreamCodec;
import dev.anyrouter.config.TimeoutsConfig;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A stream's client: a Jersey {@link SseEventSink}, which the {@link HeldResponse} gives once it has committed the
 * 200. The 200 is held (no byte sent) until the first event, or until
 * a try's grace period passes with the upstream silent (never while the relay waits between tries), so an upstream
 * failure keeps its real status (docs/wire-format.md section 5). Where the container lets the client's connection be
 * watched ({@link #watched}), the grace is the longer {@code ANYROUTER_WATCHED_COMMIT_GRACE_MS}. Once committed, a
 * stream quiet for {@code ANYROUTER_KEEPALIVE_MS} gets a {@code : keep-alive} comment, written on a keep-alive thread.
 *
 * <p>One writer at a time ({@link #writing}), so the relay always writes its own events: a keep-alive writer owning
 * Jersey's flush would otherwise accept the relay's events into an unbounded queue. Keep-alives skip when it is
 * busy. Once committed the sink can write without blocking ({@link #nonBlocking}, through {@link ClientOutput}):
 * events gather and leave in one write at each {@link #flush}, and the relay waits for that write's end
 * ({@link #writable}) before it reads on from the upstream.
 */
public final class SseSink implements ClientSink {

    private enum State { PENDING, COMMITTED, FAILED_EARLY }

    private final HeldResponse response;
    /** Where the events go once the response is committed; written under {@link #writing}. */
    private volatile SseEventSink sink;
    /** The status answer, when the relay failed before anything was sent. */
    private volatile GatewayException failedEarly;
    private final Sse sse;
    private final ClientOutput output;
    private final Duration keepAlive;
    private final Executor writers;
    private final Runnable clientDone;
    private final ReentrantLock writing = new ReentrantLock();
    private final AtomicBoolean keepAliveQueued = new AtomicBoolean();
    private final AtomicReference<State> state = new AtomicReference<>(State.PENDING);
    /** Stops the watch on the client's connection before the response's first byte; null when not watched. */
    private final AtomicReference<Runnable> stopWatch = new AtomicReference<>();
    private volatile Duration grace;
    private volatile Listener listener;
    private volatile long lastWrite;
    private volatile long tryStart;
    /** True between tries, and before the first: the timer may run before the relay has begun its (next) try. */
    private volatile boolean paused = true;
    /** Writes no longer block ({@link #nonBlocking}); the container is still writing what was pushed ({@code busy}). */
    private volatile boolean nonBlocking;
    private volatile boolean busy;
    /** The client is gone ({@link #gone}): the container will not call back about a write, and none is tried. */
    private volatile boolean gone;
    /** Runs once the container is done writing: the relay's wake, or its end ({@link #whenDrained}). */
    private volatile Runnable onWritable;
    private final AtomicReference<Runnable> drained = new AtomicReference<>();

    /**
     * @param output     the relay's hold on the client's response stream (see {@code rest/ResponseOutput}); {@code null}
     *                   when the container has no such filter: writes stay blocking
     * @param writers    where keep-alives are written
     * @param clientDone runs as the client's response ends, before the upstream clean-up and billing: gives back
     *                   the request's place, so a client that sends its next request at once is not refused
     */
    public SseSink(HeldResponse response, Sse sse, ClientOutput output, TimeoutsConfig timeouts, Executor writers,
            Runnable clientDone) {
        this.response = response;
        this.sse = sse;
        this.output = output == null ? new ClientOutput() : output;
        this.keepAlive = timeouts.keepAlive();
        this.grace = timeouts.commitGrace();
        this.writers = writers;
        this.clientDone = clientDone;
    }

    /**
     * The client's connection is watched while the response is held (the watch tells the relay if the client
     * leaves), so the 200 may be held for {@code watchedGrace}; {@code stopWatch} runs once, before anything is
     * written to the client or as the response ends. Call before the relay runs.
     */
    public void watched(Duration watchedGrace, Runnable stopWatch) {
        this.stopWatch.set(stopWatch);
        grace = watchedGrace;
    }

    @Override
    public void attach(Listener listener) {
        this.listener = listener;
    }

    @Override
    public boolean streaming() {
        return true;
    }

    @Override
    public void trying(long nanos) {
        tryStart = nanos;
        lastWrite = nanos;
        paused = false;
    }

    /**
     * Paused until the next {@link #trying}, which sets the new try's start before it clears the pause: were the
     * pause to end on its own, a tick between its end and that try would measure the grace from the previous try.
     */
    @Override
    public void pausing() {
        paused = true;
    }

    @Override
    public void tick(long nanos) {
        State now = state.get();
        if (now == State.FAILED_EARLY || listener.stopped().getAsBoolean()) {
            return;
        }
        boolean due = now == State.PENDING ? !paused && nanos - tryStart >= grace.toNanos()
                : nanos - lastWrite >= keepAlive.toNanos();
        if (due && keepAliveQueued.compareAndSet(false, true)) {
            try {
                writers.execute(this::keepAlive);
            } catch (RejectedExecutionException shuttingDown) {
                keepAliveQueued.set(false);
            }
        }
    }

    private void keepAlive() {
        keepAliveQueued.set(false);
        if (!listener.stopped().getAsBoolean() && !busy && writing.tryLock()) {
            try {
                if (!busy && write(keepAliveComment(), listener.clock().getAsLong())) {
                    push();
                }
            } finally {
                writing.unlock();
            }
        }
    }

    @Override
    public boolean send(String name, String data) {
        writing.lock();
        try {
            // As bytes: a String is written through a new OutputStreamWriter (and its 8 KB buffer) per event.
            OutboundSseEvent.Builder event = sse.newEventBuilder().data(byte[].class,
                    data.getBytes(StandardCharsets.UTF_8)).mediaType(MediaType.APPLICATION_OCTET_STREAM_TYPE);
            return write((name == null ? event : event.name(name)).build(), listener.clock().getAsLong());
        } finally {
            writing.unlock();
        }
    }

    @Override
    public boolean committed() {
        return state.get() == State.COMMITTED;
    }

    @Override
    public boolean nonBlocking(Runnable wake) {
        writing.lock(); // between whole events: a keep-alive being written switches no mode half-way
        try {
            onWritable = wake;
            nonBlocking = output.nonBlocking(this::written, this::writeFailed);
            return nonBlocking;
        } finally {
            writing.unlock();
        }
    }

    /**
     * Under the write lock: a push in progress on another thread (a keep-alive's) may end with the container idle,
     * and then no call back comes. Seen half-way, it would leave the relay waiting for a write's end that never comes.
     */
    @Override
    public boolean writable() {
        writing.lock();
        try {
            return !busy;
        } finally {
            writing.unlock();
        }
    }

    /** Hands what was written to the container; false when the client is gone. Blocking writes flushed already. */
    @Override
    public boolean flush() {
        if (!nonBlocking) {
            return true;
        }
        writing.lock();
        try {
            return push();
        } finally {
            writing.unlock();
        }
    }

    /** Under {@link #writing}. Busy first: the container's call back may come before {@code push} returns. */
    private boolean push() {
        if (!nonBlocking) {
            return true;
        }
        if (gone) {
            return false; // Tomcat, after a failed write, says "not ready" and never calls back
        }
        busy = true;
        try {
            if (output.push()) {
                busy = false;
            }
            return true;
        } catch (IOException | RuntimeException e) {
            busy = false;
            listener.clientGone().run();
            return false;
        }
    }

    /** The container is done writing what was pushed (a container thread). */
    private void written() {
        busy = false;
        Runnable end = drained.getAndSet(null);
        (end != null ? end : onWritable).run();
    }

    /** The client's connection failed under a non-blocking write. */
    private void writeFailed() {
        busy = false;
        listener.clientGone().run();
        Runnable end = drained.getAndSet(null);
        (end != null ? end : onWritable).run();
    }

    @Override
    public void whenDrained(Runnable then) {
        if (!flush() || writable()) {
            then.run();
            return;
        }
        drained.set(then);
        if ((writable() || gone) && drained.compareAndSet(then, null)) {
            then.run(); // the write finished meanwhile, or the client left
        }
    }

    /** Gives up the write in progress: its end, or the relay's end waiting for it, runs now. */
    @Override
    public void gone() {
        gone = true;
        Runnable end = drained.getAndSet(null);
        if (end != null) {
            busy = false;
            end.run();
        }
    }

    @Override
    public void answer(String json) {
        throw new UnsupportedOperationException("a stream has no single answer");
    }

    @Override
    public void fail(GatewayException failure, StreamCodec codec) {
        if (state.compareAndSet(State.PENDING, State.FAILED_EARLY)) {
            failedEarly = failure;
            stopWatching();
            return;
        }
        codec.fail(failure, this::send);
    }

    @Override
    public void abandoned(GatewayException answer) {
        // nothing to answer: close() ends the response
    }

    /** The status answer, once the relay has ended. */
    @Override
    public void ended() {
        GatewayException failure = failedEarly;
        if (failure != null) {
            response.fail(failure);
        }
    }

    @Override
    public void close() {
        clientDone.run();
        stopWatching();
        if (state.get() != State.FAILED_EARLY) {
            writing.lock(); // after a keep-alive being written
            try {
                if (nonBlocking) {
                    try {
                        output.finish(); // Jersey's end of the async cycle alone leaves a non-blocking response open
                    } catch (IOException | RuntimeException e) {
                        listener.clientGone().run();
                    }
                }
                SseEventSink events = sink;
                if (events == null && state.compareAndSet(State.PENDING, State.COMMITTED)) {
                    events = response.commit(); // an empty stream: the relay ended without writing (the client left)
                }
                if (events != null) {
                    events.close(); // first: the client sees its stream end before any upstream clean-up
                }
            } catch (IllegalStateException ended) {
                // the client's request has ended, or Jersey's request scope is gone (past a shutdown's grace)
            } finally {
                writing.unlock();
            }
        }
    }

    /** Writes one event, committing the response if it was still held; false (and tells the relay) when it failed. */
    private boolean write(OutboundSseEvent event, long nanos) {
        State was = state.get();
        if (was == State.FAILED_EARLY || was == State.PENDING && !state.compareAndSet(was, State.COMMITTED)) {
            return false;
        }
        try {
            if (was == State.PENDING) {
                stopWatching();
                listener.committing().run(); // a client that sees a byte has a ledger row
                sink = response.commit();
            }
            if (!sink.send(event).toCompletableFuture().isCompletedExceptionally()) {
                lastWrite = nanos;
                return true;
            }
        } catch (IllegalStateException closed) {
            // the sink was closed by the container, or the request ended before the commit: the client is gone
        }
        listener.clientGone().run();
        return false;
    }

    private void stopWatching() {
        Runnable stop = stopWatch.getAndSet(null);
        if (stop != null) {
            stop.run();
        }
    }

    private OutboundSseEvent keepAliveComment() {
        return sse.newEventBuilder().comment("keep-alive").build();
    }
}
