package dev.anyrouter.relay;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.errors.GatewayException;
import dev.anyrouter.routing.Route;
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
 * <p>The response is held (no bytes sent) until the first event or the grace period, so an upstream that fails
 * fast keeps its real status; after that every failure is reported in-band, in the client's own format
 * (wire-format.md section 5).
 */
public final class StreamRelay {

    private static final System.Logger LOG = System.getLogger(StreamRelay.class.getName());
    /** How long a finished upstream body may take to end, so its connection can be reused. */
    private static final Duration BODY_END_WAIT = Duration.ofMillis(50);

    private enum State { PENDING, COMMITTED, FAILED_EARLY }

    private final AnyRouter engine;
    private final Route route;
    private final URI localBase;
    private final byte[] body;
    private final SseEventSink sink;
    private final Sse sse;
    private final Generation generation;
    private final Translation translation;
    private final FlushHold flushHold;
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

    private volatile long lastWrite = System.nanoTime();
    /** Whether the upstream event after the one just read was already buffered; only the relay thread uses it. */
    private boolean nextBuffered;

    /**
     * @param flushHold the hold over the client's flushes (see {@code FlushBatching}); {@code null} when the
     *                  container has no such filter: every event is flushed on its own
     */
    public StreamRelay(AnyRouter engine, Route route, URI localBase, byte[] body, SseEventSink sink, Sse sse,
            FlushHold flushHold, Generation generation, Translation translation) {
        this.engine = engine;
        this.route = route;
        this.localBase = localBase;
        this.body = body;
        this.sink = sink;
        this.sse = sse;
        this.flushHold = flushHold == null ? new FlushHold() : flushHold;
        this.generation = generation;
        this.translation = translation;
    }

    /**
     * Relays the stream to its end on the calling (relay) thread. Throws a {@link GatewayException} only when
     * the upstream failed before anything was sent: the caller then answers with that status instead.
     */
    public void run() {
        engine.activeRelays().incrementAndGet();
        ScheduledFuture<?> timer = null;
        Generation.Outcome outcome = Generation.Outcome.FAILED;
        String error = null;
        try {
            long tick = Math.max(1, engine.config().keepAlive().toMillis() / 2);
            timer = engine.timer().scheduleWithFixedDelay(this::tick, engine.config().commitGrace().toMillis(), tick,
                    TimeUnit.MILLISECONDS);
            outcome = relay();
        } catch (GatewayException e) {
            error = e.getMessage();
            fail(e);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "stream " + generation.id() + " failed unexpectedly", e);
            error = "upstream '" + route.upstream().name() + "' answered with something the gateway cannot relay";
            fail(GatewayException.upstream(error, e));
        } finally {
            if (timer != null) {
                timer.cancel(false);
            }
            end(outcome, error);
            engine.activeRelays().decrementAndGet();
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
        UpstreamCall call = open();
        if (call == null) {
            return Generation.Outcome.CANCELLED;
        }
        generation.upstreamStatus(call.status());
        if (!call.ok()) {
            throw UpstreamErrors.of(call);
        }
        generation.accepted();
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
            if (complete) {
                return Generation.Outcome.COMPLETED;
            }
        }
        if (cancelled()) {
            return Generation.Outcome.CANCELLED;
        }
        if (!translation.end(this::send)) {
            throw call.bodyFailure().map(e -> UpstreamErrors.brokenStream(call, e)).orElseGet(() ->
                    GatewayException.upstream("upstream '" + route.upstream().name()
                            + "' ended the stream before it finished", null));
        }
        call.bodyFailure().ifPresent(e -> LOG.log(System.Logger.Level.DEBUG,
                "stream {0}: upstream broke off after its answer was complete: {1}", generation.id(),
                e.getMessage()));
        return cancelled() ? Generation.Outcome.CANCELLED : Generation.Outcome.COMPLETED;
    }

    private boolean translate(String name, String data) {
        try {
            return translation.event(name, data, this::send);
        } catch (IOException e) {
            throw GatewayException.upstream("upstream '" + route.upstream().name() + "' sent a malformed event", e);
        }
    }

    private UpstreamCall open() {
        synchronized (lock) {
            if (cancelled) {
                return null;
            }
            opening = Thread.currentThread();
        }
        UpstreamCall call = null;
        try {
            call = engine.upstream().open(route, localBase, body, true);
        } catch (GatewayException e) {
            if (!cancelled()) {
                throw e;
            }
        } finally {
            synchronized (lock) {
                opening = null;
                Thread.interrupted(); // an interrupt meant for the open must not hit later writes
                if (!cancelled) {
                    upstream = call;
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
        InboundEvent event = readEvent(events);
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

    private InboundEvent readEvent(EventInput events) {
        try {
            return events.read();
        } catch (ProcessingException | IllegalStateException | UncheckedIOException e) {
            if (cancelled()) {
                return null;
            }
            throw GatewayException.upstream("upstream '" + route.upstream().name()
                    + "' connection failed mid-stream", e);
        }
    }

    /** After a failure: the status answer if nothing was sent yet, else the client's in-band error event. */
    private void fail(GatewayException e) {
        synchronized (lock) {
            if (cancelled) {
                return;
            }
            if (state == State.PENDING) {
                state = State.FAILED_EARLY;
                throw e;
            }
        }
        LOG.log(System.Logger.Level.DEBUG, "stream {0} failed after it started: {1}", generation.id(),
                e.getMessage());
        flushHold.hold(false);
        translation.fail(e, this::send);
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
        synchronized (lock) {
            if (state == State.FAILED_EARLY) {
                return false;
            }
            state = State.COMMITTED;
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
        long quiet = System.nanoTime() - lastWrite;
        boolean pending;
        synchronized (lock) {
            if (ended || cancelled || state == State.FAILED_EARLY) {
                return;
            }
            pending = state == State.PENDING;
        }
        if ((pending || quiet >= engine.config().keepAlive().toNanos()) && keepAliveQueued.compareAndSet(false, true)) {
            try {
                engine.writers().execute(this::keepAlive);
            } catch (RejectedExecutionException shuttingDown) {
                keepAliveQueued.set(false);
            }
        }
    }

    private void keepAlive() {
        keepAliveQueued.set(false);
        if (!cancelled() && writing.tryLock()) {
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
        if (last != State.FAILED_EARLY) {
            sink.close(); // first: the client sees its stream end before any upstream clean-up
        }
        if (call != null && outcome == Generation.Outcome.COMPLETED && !wasCancelled) {
            call.finish(BODY_END_WAIT);
        } else if (call != null) {
            call.close();
        }
        engine.finished(generation.end(wasCancelled ? Generation.Outcome.CANCELLED : outcome, error));
    }
}
