package dev.anyrouter.relay;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.config.TimeoutsConfig;
import dev.anyrouter.upstream.SseEvent;
import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Moves the answer of the exchange that answered to the client's sink: a stream event by event, through the
 * serving model's {@code StreamCodec}; a non-streamed answer whole. It checks the {@link StopSignal} after every read
 * and write: a stop that aborted a read is the stop's answer, not the upstream's failure, and events buffered
 * meanwhile are not relayed.
 *
 * <p>Nothing waits. Until a stream's response is committed (its first byte), each step runs on a relay thread when
 * more of the upstream body arrived; then, where the sink can write without blocking, the rest runs on callbacks
 * ({@link #wake}): the upstream's when more of its body arrived, the client's when a write that could not finish at
 * once is done. All the events already here are written, and leave in one flush; the next read from the upstream is
 * asked for only once the client has taken that write, so a slow client's backpressure reaches the upstream socket.
 */
final class EventPump {

    /** The largest non-streamed answer read. */
    private static final int BODY_LIMIT = 64 << 20;
    /**
     * How much event data a burst gathers before it is pushed to the client: what the upstream had sent meanwhile
     * may fill the sockets' buffers (megabytes), and a stream holds at most about this much of it.
     */
    private static final int BATCH_CHARS = 32 << 10;

    private final Target target;
    private final UpstreamStream call;
    private final ClientSink sink;
    private final StopSignal signal;
    private final Ticker ticker;
    private final Executor steps;
    /** Wakes not yet handled: one step handles all that came meanwhile. */
    private final AtomicInteger wakes = new AtomicInteger();
    private volatile long lastEvent;
    /** Where the outcome or the failure goes once the relay of the answer ends. */
    private volatile BiConsumer<Generation.Outcome, RuntimeException> done;
    /** The stream goes on with callbacks ({@link #wake}); before, each step runs on a relay thread. */
    private volatile boolean callbacks;
    /** A read of the upstream is asked for and has not called back. */
    private volatile boolean awaitingUpstream;
    private boolean over;
    /** Event data relayed since the last push; the pump's step alone uses it. */
    private int batch;

    /** {@code steps}: the relay threads, where each step runs until the stream goes on with callbacks. */
    EventPump(Target target, UpstreamStream call, ClientSink sink, StopSignal signal, Ticker ticker, Executor steps) {
        this.target = target;
        this.call = call;
        this.sink = sink;
        this.signal = signal;
        this.ticker = ticker;
        this.steps = steps;
        this.lastEvent = ticker.nanos();
    }

    /** When the upstream last sent an event (or answered), on the relay's clock. */
    long lastEvent() {
        return lastEvent;
    }

    /**
     * The timeout the request is over, {@code running} after it began: {@code ANYROUTER_TOTAL_TIMEOUT_MS} in all,
     * or for a stream {@code ANYROUTER_IDLE_TIMEOUT_MS} of upstream silence; {@code null} while within both.
     */
    Stop overdue(long running, TimeoutsConfig timeouts) {
        if (running >= timeouts.total().toNanos()) {
            return Stop.timedOut(provider(), "did not finish within " + timeouts.total().toMillis() + " ms");
        }
        if (sink.streaming() && ticker.nanos() - lastEvent > timeouts.idle().toNanos()) {
            return Stop.timedOut(provider(), "sent nothing for " + timeouts.idle().toMillis() + " ms");
        }
        return null;
    }

    /**
     * Relays a stream without a thread waiting for either side; {@code whenDone} gets its outcome, or the failure the
     * client is told of. Until its response is committed, a step runs on a relay thread ({@code steps}) each time more
     * of the upstream body arrived: the first event's write commits the response, which may wait for the ledger row
     * and writes blocking. Then, where the sink allows, it goes on with callbacks ({@link #wake}); where its writes
     * block, each step still runs on a relay thread.
     */
    void stream(BiConsumer<Generation.Outcome, RuntimeException> whenDone) {
        done = whenDone;
        held();
    }

    /** A step on a relay thread: relays what is here, until the stream ends, goes on with callbacks, or must wait. */
    private void held() {
        settle(this::heldSteps);
    }

    private Generation.Outcome heldSteps() {
        while (true) {
            if (sink.committed() && sink.nonBlocking(this::wake)) {
                callbacks = true;
                wake();
                return null;
            }
            SseEvent event = poll();
            if (event != null) {
                Generation.Outcome outcome = relay(event);
                if (outcome != null) {
                    return outcome;
                }
                continue;
            }
            if (call.ended() || signal.clientGone()) {
                return end();
            }
            call.onReady(() -> steps.execute(this::held)); // a stop aborts the exchange, which calls back too
            return null;
        }
    }

    /** The next event already here, or {@code null}; a failure of the body is the stop's answer if one came first. */
    private SseEvent poll() {
        SseEvent event;
        try {
            event = call.poll();
        } catch (GatewayException e) {
            if (signal.clientGone()) {
                return null;
            }
            signal.throwIfStopped();
            throw e;
        }
        if (event != null) {
            lastEvent = ticker.nanos();
        }
        return event;
    }

    /** Relays one event: the outcome when the stream ended with it, else {@code null}. */
    private Generation.Outcome relay(SseEvent event) {
        boolean complete;
        try {
            complete = target.codec().event(event.name(), event.data(), sink::send);
        } catch (IOException e) {
            throw GatewayException.upstream("upstream '" + provider() + "' sent a malformed event", e);
        }
        if (signal.clientGone()) {
            return Generation.Outcome.CANCELLED;
        }
        signal.throwIfStopped();
        return complete ? Generation.Outcome.COMPLETED : null;
    }

    /** The body ended without the codec's end: what it writes then, or the early end as a failure. */
    private Generation.Outcome end() {
        if (signal.clientGone()) {
            return Generation.Outcome.CANCELLED;
        }
        signal.throwIfStopped();
        if (!target.codec().end(sink::send)) {
            throw call.bodyFailure().orElseGet(() -> GatewayException.upstream("upstream '" + provider()
                    + "' ended the stream before it finished", null));
        }
        return signal.clientGone() ? Generation.Outcome.CANCELLED : Generation.Outcome.COMPLETED;
    }

    /**
     * Something happened (more of the body, a finished write, a stop): one thread at a time takes the next step,
     * and a wake that comes meanwhile is handled by that same thread.
     */
    void wake() {
        if (!callbacks || wakes.getAndIncrement() != 0) {
            return;
        }
        int handled = 1;
        do {
            step();
            handled = wakes.addAndGet(-handled);
        } while (handled != 0);
    }

    private void upstreamReady() {
        awaitingUpstream = false;
        wake();
    }

    /** Relays what is here and can be written now, then asks for the next callback. */
    private void step() {
        if (!over) {
            settle(this::steps);
        }
    }

    /** Runs {@code step}: ends the relay with its outcome once it has one, or with what it threw. */
    private void settle(Supplier<Generation.Outcome> step) {
        Generation.Outcome outcome;
        try {
            outcome = step.get();
        } catch (RuntimeException e) {
            finish(null, e);
            return;
        }
        if (outcome != null) {
            finish(outcome, null); // what the end throws is not the stream's failure: it must not end it again
        }
    }

    /** The outcome once the stream ended, or {@code null} while it waits for the upstream or the client. */
    private Generation.Outcome steps() {
        while (true) {
            if (signal.clientGone()) {
                return Generation.Outcome.CANCELLED;
            }
            signal.throwIfStopped();
            if (!sink.writable() || awaitingUpstream) {
                return null;
            }
            SseEvent event = poll();
            if (event != null) {
                Generation.Outcome outcome = relay(event);
                if (outcome != null) {
                    return outcome;
                }
                batch += event.data().length();
                if (batch >= BATCH_CHARS) { // a long burst leaves in writes of a bounded size
                    batch = 0;
                    if (!sink.flush()) {
                        return Generation.Outcome.CANCELLED;
                    }
                }
                continue;
            }
            batch = 0;
            if (call.ended()) {
                return end();
            }
            if (!sink.flush()) {
                return Generation.Outcome.CANCELLED;
            }
            if (sink.writable()) { // else the write's end wakes the pump, which then reads on
                awaitingUpstream = true;
                call.onReady(this::upstreamReady);
            }
            return null;
        }
    }

    private void finish(Generation.Outcome outcome, RuntimeException failure) {
        over = true;
        done.accept(outcome, failure);
    }

    /**
     * A non-streamed answer, read as it arrives and then relayed on a relay thread; {@code whenDone} gets the outcome
     * or the failure. It is read to its end even if the client left since it arrived, as it is billed.
     */
    void answer(BiConsumer<Generation.Outcome, RuntimeException> whenDone) {
        done = whenDone;
        call.text(BODY_LIMIT).whenCompleteAsync((text, failure) -> settle(() -> answered(text, failure)), steps);
    }

    private Generation.Outcome answered(String text, Throwable unread) {
        String json;
        try {
            if (unread != null) {
                throw Completions.cause(unread);
            }
            json = target.codec().completion(text);
        } catch (Throwable e) {
            throwIfClientGone();
            signal.throwIfStopped();
            if (e instanceof Error error) {
                throw error;
            }
            throw e instanceof GatewayException g ? g
                    : GatewayException.upstream("upstream '" + provider() + "' sent an unreadable completion", e);
        }
        throwIfClientGone();
        sink.answer(json);
        return Generation.Outcome.COMPLETED;
    }

    private void throwIfClientGone() {
        if (signal.clientGone()) {
            throw Stop.clientGone().answer();
        }
    }

    private String provider() {
        return target.route().upstream().name();
    }
}
