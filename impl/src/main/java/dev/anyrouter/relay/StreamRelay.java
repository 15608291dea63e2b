package dev.anyrouter.relay;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.config.Endpoint;
import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.errors.GatewayException;
import dev.anyrouter.errors.Refusal;
import dev.anyrouter.routing.Lease;
import dev.anyrouter.store.InFlight;
import dev.anyrouter.translate.Translation;
import dev.anyrouter.upstream.UpstreamCall;
import dev.anyrouter.upstream.UpstreamErrors;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.glassfish.jersey.media.sse.EventInput;
import org.glassfish.jersey.media.sse.InboundEvent;

/**
 * Relays one stream (chat completions or Messages) from an upstream to a client, through the request's
 * {@link Translation}, which passes the upstream's events on or turns them into the client's API.
 *
 * <p>Who does what: the relay thread ({@link #run()}) opens the upstream, reads its events and writes each one
 * to the client's sink as soon as it arrives, so backpressure stops at the upstream socket. The timer thread
 * commits the 200 once the grace period passes with the upstream still silent, and afterwards asks for keep-alive
 * comments whenever the stream has been quiet; those are written on a writer thread. Any thread that sees the
 * client gone (a failed write, the servlet's async listener) calls {@link #cancel()}, which aborts the upstream
 * at once: it interrupts the relay thread while the exchange is being opened, or closes the upstream response,
 * which unblocks a read in progress.
 *
 * <p>The response is held (no bytes sent) until the first event or the grace period of a try, so an upstream that
 * fails keeps its real status; after that every failure is reported in-band, in the client's own format
 * (wire-format.md section 5). Where the container lets the client's connection be watched without writing
 * ({@link #watched}), the grace is the longer {@code ANYROUTER_WATCHED_COMMIT_GRACE_MS}: a client that leaves is
 * noticed by the watch, not by a failed keep-alive.
 */
public final class StreamRelay {

    private static final System.Logger LOG = System.getLogger(StreamRelay.class.getName());
    /** How long a finished upstream body may take to end, so its connection can be reused. */
    private static final Duration BODY_END_WAIT = Duration.ofMillis(50);
    /**
     * How long the client's first byte may wait for the generation's in-progress ledger row (see
     * {@code store/InFlight.java}); a database slower than that delays the row, not the stream.
     */
    private static final Duration RECORD_WAIT = Duration.ofSeconds(1);

    private enum State { PENDING, COMMITTED, FAILED_EARLY }

    private final AnyRouter engine;
    private final List<Target> targets;
    private final URI localBase;
    private final SseEventSink sink;
    private final Sse sse;
    private final Generation generation;
    private final FlushHold flushHold;
    private final Runnable clientDone;
    private final long startNanos = System.nanoTime();
    /** The generation's record in the ledger while it runs; set by {@link #run()} before anything is written. */
    private volatile InFlight.Handle inFlight;
    /** The model being tried, then the one serving the stream; written by the relay thread before it reads. */
    private volatile Target target;
    private final AtomicBoolean keepAliveQueued = new AtomicBoolean();
    // One writer at a time, so the relay always writes its own events (a keep-alive writer owning Jersey's
    // flush would otherwise accept the relay's events into an unbounded queue). Keep-alives skip when it is busy.
    private final ReentrantLock writing = new ReentrantLock();

    private final Object lock = new Object();
    private State state = State.PENDING;
    private boolean cancelled;
    private boolean ended;
    private Thread opening;
    private UpstreamCall upstream;
    /** The endpoint serving the stream, once one answered; given back when the relay ends. */
    private Lease lease;
    /** What the client gets because the gateway stopped the stream (a timeout, a shutdown), once it did. */
    private GatewayException stopped;

    private volatile long lastWrite = System.nanoTime();
    private volatile long lastUpstreamEvent = System.nanoTime();
    private volatile long attemptStart = System.nanoTime();
    private volatile boolean betweenTries;
    /** How long each try may leave the 200 held: the commit grace, or the longer one while the client is watched. */
    private volatile Duration grace;
    /** Stops the watch on the client's connection before the first byte of the response; null when not watched. */
    private Runnable stopWatch;
    /** Whether the upstream event after the one just read was already buffered; only the relay thread uses it. */
    private boolean nextBuffered;

    /**
     * @param targets   the requested model, then its fallbacks, in order
     * @param flushHold  the hold over the client's flushes (see {@code FlushBatching}); {@code null} when the
     *                   container has no such filter: every event is flushed on its own
     * @param clientDone runs as the client's response ends, before the upstream clean-up and billing: gives back
     *                   the request's place, so a client that sends its next request at once is not refused
     */
    public StreamRelay(AnyRouter engine, List<Target> targets, URI localBase, SseEventSink sink, Sse sse,
            FlushHold flushHold, Generation generation, Runnable clientDone) {
        this.engine = engine;
        this.targets = List.copyOf(targets);
        this.target = targets.get(0);
        this.localBase = localBase;
        this.sink = sink;
        this.sse = sse;
        this.flushHold = flushHold == null ? new FlushHold() : flushHold;
        this.generation = generation;
        this.clientDone = clientDone;
        this.grace = engine.config().timeouts().commitGrace();
    }

    /**
     * The client's connection is watched while the response is held (the watch calls {@link #cancel()} if the client
     * leaves), so the 200 can be held for {@code ANYROUTER_WATCHED_COMMIT_GRACE_MS}. {@code stopWatch} runs once,
     * before anything is written to the client. Call before {@link #run()}.
     */
    public void watched(Runnable stopWatch) {
        synchronized (lock) {
            this.stopWatch = stopWatch;
        }
        grace = engine.config().timeouts().watchedGrace();
    }

    /** Ends the watch on the client's connection, if there is one; before the response's first byte. */
    private void stopWatching() {
        Runnable stop;
        synchronized (lock) {
            stop = stopWatch;
            stopWatch = null;
        }
        if (stop != null) {
            stop.run();
        }
    }

    /**
     * Relays the stream to its end on the calling (relay) thread. Throws a {@link GatewayException} only when
     * the upstream failed before anything was sent: the caller then answers with that status instead.
     */
    public void run() {
        inFlight = engine.ledger().begin(generation);
        engine.activeRelays().incrementAndGet();
        Runnable stopper = this::shutDown;
        engine.running(stopper);
        ScheduledFuture<?> timer = null;
        Generation.Outcome outcome = Generation.Outcome.FAILED;
        String error = null;
        try {
            long tick = Math.max(1, engine.config().timeouts().keepAlive().toMillis() / 2);
            timer = engine.timer().scheduleWithFixedDelay(this::tick, engine.config().timeouts().commitGrace().toMillis(), tick,
                    TimeUnit.MILLISECONDS);
            outcome = relay();
        } catch (GatewayException e) {
            if (cancelled()) {
                // The client left and cancel() closed the upstream under the read: not the upstream's failure.
                outcome = Generation.Outcome.CANCELLED;
            } else {
                error = e.getMessage();
                logUpstreamFailure(e);
                fail(e);
            }
        } catch (Error e) {
            // Out of memory, say: logged here, as nothing above the relay would say which stream it was.
            LOG.log(System.Logger.Level.ERROR, "stream " + generation.id() + " failed: " + e, e);
            error = "the gateway failed while relaying the stream";
            failQuietly(GatewayException.upstream(error, null));
        } catch (RuntimeException e) {
            GatewayException stop = stopReason();
            if (cancelled()) {
                // The client left: cancel() closed the upstream under whatever the relay was doing with it.
                outcome = Generation.Outcome.CANCELLED;
            } else if (stop != null) {
                // The gateway stopped the stream (a timeout, the credit cap, a shutdown) under the same.
                error = stop.getMessage();
                fail(stop);
            } else {
                LOG.log(System.Logger.Level.WARNING, "stream " + generation.id() + " failed unexpectedly", e);
                error = "upstream '" + target.route().upstream().name()
                        + "' answered with something the gateway cannot relay";
                fail(GatewayException.upstream(error, e));
            }
        } finally {
            try {
                if (timer != null) {
                    timer.cancel(false);
                }
                end(outcome, error);
            } finally {
                // Whatever failed above: the endpoint, the shutdown's list and the count are given back.
                if (lease != null) {
                    lease.close();
                }
                engine.done(stopper);
                engine.activeRelays().decrementAndGet();
            }
        }
    }

    /** {@link #fail} where a failure of its own must not hide the one being handled. */
    private void failQuietly(GatewayException e) {
        try {
            fail(e);
        } catch (GatewayException early) {
            throw early; // nothing was sent: the status answer
        } catch (RuntimeException | Error ignored) {
            // the in-band error could not be written either
        }
    }

    /** The client is gone: abort the upstream now. Safe from any thread, any number of times. */
    public void cancel() {
        UpstreamCall call;
        synchronized (lock) {
            if (cancelled || ended) {
                return;
            }
            cancelled = true;
            if (opening != null) {
                // The connector aborts an exchange whose thread is interrupted while it waits for headers.
                opening.interrupt();
            }
            call = upstream;
        }
        if (call != null) {
            call.close();
        }
    }

    private Generation.Outcome relay() {
        Attempts.Opened opened = new Attempts(engine.config().retry(), engine.router()).open(targets, generation,
                this::open, this::pause);
        if (opened == null) {
            return Generation.Outcome.CANCELLED;
        }
        lease = opened.lease();
        UpstreamCall call = opened.call();
        lastUpstreamEvent = System.nanoTime();
        generation.accepted();
        inFlight.record(); // its prompt is billed from now on, even if the gateway is killed
        Translation translation = target.translation();
        // Not closed here: end() closes the call, letting a finished body give its connection back.
        EventInput events = call.events();
        InboundEvent event;
        while ((event = read(events, call)) != null) {
            if (event.isEmpty()) {
                continue; // a comment or an empty event: our own keep-alives cover the silence
            }
            // The raw bytes, not readData(): that goes through a message body reader and a new buffer per event.
            String data = new String(event.getRawData(), StandardCharsets.UTF_8);
            boolean complete = translate(event.getName(), data);
            if (cancelled()) {
                return Generation.Outcome.CANCELLED;
            }
            // Stopped meanwhile (the credit cap, a timeout): events already buffered are not relayed.
            throwIfStopped();
            if (complete) {
                return Generation.Outcome.COMPLETED;
            }
        }
        if (cancelled()) {
            return Generation.Outcome.CANCELLED;
        }
        throwIfStopped();
        if (!translation.end(this::send)) {
            throw call.bodyFailure().map(e -> UpstreamErrors.brokenStream(call, e)).orElseGet(() ->
                    GatewayException.upstream("upstream '" + target.route().upstream().name()
                            + "' ended the stream before it finished", null));
        }
        call.bodyFailure().ifPresent(e -> LOG.log(System.Logger.Level.DEBUG,
                "stream {0}: upstream broke off after its answer was complete: {1}", generation.id(),
                e.getMessage()));
        return cancelled() ? Generation.Outcome.CANCELLED : Generation.Outcome.COMPLETED;
    }

    private boolean translate(String name, String data) {
        try {
            return target.translation().event(name, data, this::send);
        } catch (IOException e) {
            throw GatewayException.upstream("upstream '" + target.route().upstream().name()
                    + "' sent a malformed event", e);
        }
    }

    /** Waits before another try, interrupted by {@link #cancel()}; false when the client left. */
    private boolean pause(Duration wait) {
        synchronized (lock) {
            if (cancelled) {
                return false;
            }
            opening = Thread.currentThread();
        }
        betweenTries = true;
        try {
            Thread.sleep(wait.toMillis(), (int) (wait.toNanos() % 1_000_000));
        } catch (InterruptedException e) {
            // cancelled
        } finally {
            betweenTries = false;
            synchronized (lock) {
                opening = null;
                Thread.interrupted();
            }
        }
        throwIfStopped();
        return !cancelled();
    }

    private UpstreamCall open(Target next, Endpoint endpoint) {
        target = next;
        attemptStart = System.nanoTime();
        throwIfStopped();
        synchronized (lock) {
            if (cancelled) {
                return null;
            }
            opening = Thread.currentThread();
        }
        UpstreamCall call = null;
        try {
            call = engine.upstream().open(next.route(), endpoint, localBase, next.body(), true, generation::sent);
        } catch (GatewayException e) {
            if (!cancelled()) {
                throwIfStopped(); // a shutdown interrupted the open
                throw e;
            }
        } finally {
            synchronized (lock) {
                opening = null;
                Thread.interrupted(); // an interrupt meant for the open must not hit later writes
                if (!cancelled && call != null && call.ok()) {
                    upstream = call; // a refused call is not: Attempts reads its error and closes it
                }
            }
        }
        if (call != null && cancelled()) {
            call.close();
            return null;
        }
        return call;
    }

    /**
     * Reads the next upstream event. While the one after it is already buffered, the flushes of what this one
     * writes are held, so a burst leaves in one write; before a read that may wait for the network, anything
     * still held is flushed.
     */
    private InboundEvent read(EventInput events, UpstreamCall call) {
        if (!nextBuffered && !releaseHold()) {
            return null;
        }
        InboundEvent event = readEvent(events, call);
        nextBuffered = call.eventBuffered();
        flushHold.hold(nextBuffered); // a lone event (paced output) is flushed as it is written
        return event;
    }

    /**
     * Flushes what the hold kept back, with a keep-alive comment (Jersey's sink offers no bare flush); false when
     * the client is gone.
     */
    private boolean releaseHold() {
        writing.lock();
        try {
            return !flushHold.release() || write(keepAliveComment());
        } finally {
            writing.unlock();
        }
    }

    private InboundEvent readEvent(EventInput events, UpstreamCall call) {
        try {
            InboundEvent event = events.read();
            lastUpstreamEvent = System.nanoTime();
            return event;
        } catch (ProcessingException | IllegalStateException | UncheckedIOException e) {
            if (cancelled()) {
                return null;
            }
            throwIfStopped();
            throw call.bodyFailure().map(failure -> UpstreamErrors.brokenStream(call, failure)).orElseGet(() ->
                    GatewayException.upstream("upstream '" + target.route().upstream().name()
                            + "' connection failed mid-stream", e));
        }
    }

    /** After the gateway stopped the stream (and closed the upstream): the error the client gets. */
    private void throwIfStopped() {
        GatewayException reason = stopReason();
        if (reason != null) {
            throw reason;
        }
    }

    private GatewayException stopReason() {
        synchronized (lock) {
            return stopped;
        }
    }

    /**
     * What the stream delivered has cost the credit its key reserved for it: ends the stream with an in-band
     * error and aborts the upstream, so that the key's spend stays within its limit. On the relay thread.
     */
    public void creditSpent() {
        stop(GatewayException.refused(Refusal.CREDIT, 402, ErrorTypes.INSUFFICIENT_CREDITS, "the key's credit "
                + "limit was reached during the stream; it was ended", Optional.empty()), false);
    }

    /**
     * The gateway is shutting down and its grace period is over: ends the stream with a 503 error (in-band once it
     * started) and aborts the upstream, whatever it is doing. Safe from any thread.
     */
    public void shutDown() {
        stop(new GatewayException(503, ErrorTypes.OVERLOADED, "the gateway is shutting down; try again",
                Optional.of("1"), null), true);
    }

    /** Records why the stream ends and closes the upstream (or interrupts its opening); false if already over. */
    private boolean stop(GatewayException reason, boolean evenBeforeAnswer) {
        UpstreamCall call;
        synchronized (lock) {
            if (stopped != null || cancelled || ended || upstream == null && !evenBeforeAnswer) {
                return false;
            }
            stopped = reason;
            call = upstream;
            if (opening != null) {
                opening.interrupt();
            }
        }
        if (call != null) {
            call.close();
        }
        return true;
    }

    /**
     * Timer: ends a stream whose upstream has been silent longer than {@code ANYROUTER_IDLE_TIMEOUT_MS}, or that
     * has run longer than {@code ANYROUTER_TOTAL_TIMEOUT_MS}, by closing the upstream: the relay's read fails
     * and reports the timeout (a 504 before the first event, an in-band error after).
     */
    private void checkTimeouts(long now) {
        String reason = null;
        if (now - startNanos > engine.config().timeouts().total().toNanos()) {
            reason = "did not finish within " + engine.config().timeouts().total().toMillis() + " ms";
        } else if (now - lastUpstreamEvent > engine.config().timeouts().idle().toNanos()) {
            reason = "sent nothing for " + engine.config().timeouts().idle().toMillis() + " ms";
        }
        if (reason == null) {
            return;
        }
        // Before the upstream answered, the connect and first-byte timeouts apply.
        GatewayException timeout = new GatewayException(504, ErrorTypes.TIMEOUT, "upstream '"
                + target.route().upstream().name() + "' " + reason);
        if (stop(timeout, false)) {
            logUpstreamFailure(timeout);
        }
    }

    /**
     * Logs, once and with its cause, how the upstream failed a stream it had accepted (a broken body, a malformed
     * or oversized event, an early end, a timeout). A failure to open it was logged by {@link Attempts}.
     */
    private void logUpstreamFailure(GatewayException e) {
        if (lease == null) {
            return;
        }
        if (engine.draining()) {
            // the gateway is stopping: its own simulator and its connections close under the streams it ends
            LOG.log(System.Logger.Level.DEBUG, "stream {0} ended while the gateway stops: {1}", generation.id(),
                    e.getMessage());
        } else {
            Attempts.logFailure(generation, target, lease, e, false);
        }
    }

    /** After a failure: the status answer if nothing was sent yet, else the client's in-band error event. */
    private void fail(GatewayException e) {
        boolean early;
        synchronized (lock) {
            if (cancelled) {
                return;
            }
            early = state == State.PENDING;
            if (early) {
                state = State.FAILED_EARLY;
            }
        }
        if (early) {
            stopWatching();
            throw e;
        }
        flushHold.hold(false);
        target.translation().fail(e, this::send);
    }

    /** Sends one event. */
    private boolean send(String name, String data) {
        writing.lock();
        try {
            // As bytes: a String is written through a new OutputStreamWriter (and its 8 KB buffer) per event.
            OutboundSseEvent.Builder event = sse.newEventBuilder().data(byte[].class,
                    data.getBytes(StandardCharsets.UTF_8)).mediaType(MediaType.APPLICATION_OCTET_STREAM_TYPE);
            return write((name == null ? event : event.name(name)).build());
        } finally {
            writing.unlock();
        }
    }

    /** Writes one event, committing the response if it was still held; false (and cancels) when it failed. */
    private boolean write(OutboundSseEvent event) {
        boolean first;
        synchronized (lock) {
            if (state == State.FAILED_EARLY) {
                return false;
            }
            first = state == State.PENDING;
            state = State.COMMITTED;
        }
        if (first) {
            stopWatching();
            inFlight.awaitRecorded(RECORD_WAIT); // a client that sees a byte has a ledger row
        }
        try {
            CompletableFuture<?> sent = sink.send(event).toCompletableFuture();
            if (!sent.isCompletedExceptionally()) {
                lastWrite = System.nanoTime();
                return true;
            }
        } catch (IllegalStateException closed) {
            // the sink was closed by the container: the client is gone
        }
        cancel();
        return false;
    }

    /** Timer: commit a held response after the grace period, then keep a silent stream alive. */
    private void tick() {
        long now = System.nanoTime();
        checkTimeouts(now);
        long quiet = now - lastWrite;
        boolean pending;
        synchronized (lock) {
            // Once stopped, the relay thread answers: a keep-alive now would commit a 200 it is about to refuse.
            if (ended || cancelled || stopped != null || state == State.FAILED_EARLY) {
                return;
            }
            pending = state == State.PENDING;
        }
        // Held while the gateway is between tries, and for the grace period of each try: a failure that is not
        // retried then keeps its status.
        boolean due = pending ? !betweenTries && now - attemptStart >= grace.toNanos()
                : quiet >= engine.config().timeouts().keepAlive().toNanos();
        if (due && keepAliveQueued.compareAndSet(false, true)) {
            try {
                engine.writers().execute(this::keepAlive);
            } catch (RejectedExecutionException shuttingDown) {
                keepAliveQueued.set(false);
            }
        }
    }

    private void keepAlive() {
        keepAliveQueued.set(false);
        boolean over;
        synchronized (lock) {
            over = cancelled || stopped != null;
        }
        if (!over && writing.tryLock()) {
            try {
                write(keepAliveComment());
            } finally {
                writing.unlock();
            }
        }
    }

    private OutboundSseEvent keepAliveComment() {
        return sse.newEventBuilder().comment("keep-alive").build();
    }

    private boolean cancelled() {
        synchronized (lock) {
            return cancelled;
        }
    }

    private void end(Generation.Outcome outcome, String error) {
        UpstreamCall call;
        boolean wasCancelled;
        State last;
        synchronized (lock) {
            ended = true;
            call = upstream;
            wasCancelled = cancelled;
            last = state;
        }
        try {
            clientDone.run();
            stopWatching();
            if (last != State.FAILED_EARLY) {
                sink.close(); // first: the client sees its stream end before any upstream clean-up
            }
        } finally {
            if (call != null && outcome == Generation.Outcome.COMPLETED && !wasCancelled) {
                call.finish(BODY_END_WAIT);
            } else if (call != null) {
                call.close();
            }
            // A cancelled generation carries no error text: whatever failed after the client left was caused by it.
            bill(wasCancelled ? Generation.Outcome.CANCELLED : outcome, wasCancelled ? null : error);
        }
    }

    /** Ends the generation and hands its record to the ledger; a failure here loses the row, so it is logged. */
    private void bill(Generation.Outcome outcome, String error) {
        try {
            engine.finish(generation, outcome, error);
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "generation " + generation.id() + " could not be billed: " + e, e);
        }
    }
}
