package dev.anyrouter.relay;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.config.Endpoint;
import dev.anyrouter.routing.Lease;
import dev.anyrouter.upstream.Abort;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Relays one request (chat completions or Messages, streamed or not) from an upstream to its {@link ClientSink}:
 * opens the upstream as the {@link RetryPolicy} decides ({@link Failover}), then moves its answer to the sink
 * ({@link EventPump}). No thread waits for either side: {@link #run()} starts it on a relay thread and returns, and
 * each step after that runs when something happened (headers, more of the body, a pause's end, a finished write).
 *
 * <p>It stops early for one {@link Stop} reason, the first that comes ({@link StopSignal}): the client left
 * ({@link #clientGone()}: a failed write, the watch on its connection, the end of its async cycle), a timeout (the
 * timer thread, {@link #tick()}), a shutdown ({@link #shutDown()}) or the key's credit ({@link #creditSpent()}).
 * Stopping aborts the upstream exchange at once through its {@link Abort}, in whatever phase (sending, awaiting
 * headers, reading the body), and ends a pause between tries: no thread is interrupted. The step that sees the stop
 * answers the reason: with the status while nothing was sent, else in-band. The relay's end alone closes the sink,
 * the upstream exchange and the endpoint's lease, and bills the generation, on every path, once.
 */
public final class Relay {

    private static final System.Logger LOG = System.getLogger(Relay.class.getName());
    /** How long a finished upstream body may take to end, so its connection can be reused. */
    private static final Duration BODY_END_WAIT = Duration.ofMillis(50);
    /**
     * How long the client's first byte may wait for the generation's in-progress ledger row (see
     * {@code store/InFlight.java}); a database slower than that delays the row, not the stream.
     */
    private static final Duration RECORD_WAIT = Duration.ofSeconds(1);

    private final RelayContext context;
    private final UpstreamStream.Opener upstream;
    /** The requested model, then fallbacks; let go once one accepted the request. */
    private List<Target> targets;
    private final ClientSink sink;
    private final Generation generation;
    private final boolean streaming;
    private final long start;
    private final StopSignal signal = new StopSignal();
    /** Where each step runs until a stream goes on with callbacks. */
    private final Executor steps;
    /** The model being tried, then the one serving. */
    private volatile Target target;
    /** The endpoint serving the request, once one answered; given back when the relay ends. */
    private volatile Lease lease;
    private volatile EventPump pump;
    private RelayContext.Row row;
    private final Runnable stopper = this::shutDown;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile Ticker.Task timer = Ticker.Task.NONE;
    private volatile Ticker.Task deadline = Ticker.Task.NONE;

    /**
     * A relay on the gateway's upstream, timer and ledger ({@code context}); {@code localBase}: the gateway's own root
     * as reached from this machine; {@code targets}: the requested model, then fallbacks.
     */
    public Relay(RelayContext context, URI localBase, List<Target> targets, ClientSink sink, Generation generation) {
        this.context = context;
        this.upstream = context.upstream().apply(localBase);
        this.targets = List.copyOf(targets);
        this.target = targets.get(0);
        this.sink = sink;
        this.generation = generation;
        this.streaming = sink.streaming();
        this.start = context.ticker().nanos();
        this.steps = context.steps();
    }

    /**
     * Starts the relay and returns: nothing waits for the upstream or the client from then on. The tries, pauses
     * and answers go on as callbacks, each step on a relay thread ({@link RelayContext#steps()}) until a stream's
     * response is committed, and then on whichever thread sees more of it (see {@link EventPump}). The sink hears of
     * the answer, or of the status answer once the relay has ended ({@link ClientSink#ended}).
     */
    public void run() {
        sink.attach(new ClientSink.Listener(this::clientGone, signal::quiet,
                () -> row.awaitRecorded(RECORD_WAIT), context.ticker()::nanos));
        row = context.books().begin(generation);
        context.running().started(stopper);
        try {
            if (streaming) { // a non-streamed request has no held 200, no keep-alive and no idle timeout
                timer = context.ticker().every(this::tick, context.timeouts().commitGrace(),
                        Duration.ofMillis(Math.max(1, context.timeouts().keepAlive().toMillis() / 2)));
            }
            new Failover(context.endpoints(), RetryPolicy.of(context.retry()), generation, steps)
                    .open(targets, this::open, this::pause).whenComplete(this::opened);
        } catch (RuntimeException | Error e) {
            finish(null, e);
        }
    }

    /** The opening's end (a relay thread): the answer's relay begins, or the relay ends with the failure. */
    private void opened(Failover.Opened opened, Throwable failed) {
        try {
            if (failed != null) {
                throw Completions.cause(failed);
            }
            if (opened == null) {
                throw signal.reason().answer();
            }
            lease = opened.lease();
            target = opened.target().sent(); // an open stream does not hold the request bodies
            targets = null;
            generation.accepted(); // the journal's next pass records it
            pump = new EventPump(target, opened.call(), sink, signal, context.ticker(), steps);
            long left = context.timeouts().total().toNanos() - (context.ticker().nanos() - start);
            deadline = context.ticker().once(this::tick, Duration.ofNanos(left)); // at the total timeout
            if (streaming) {
                pump.stream(this::finish);
            } else {
                pump.answer(this::finish);
            }
        } catch (Throwable e) {
            finish(null, e);
        }
    }

    /**
     * The relay's end, wherever it is seen: answers {@code failure} (the status answer while nothing was sent, else
     * in-band), then ends once what was written has left.
     */
    private void finish(Generation.Outcome outcome, Throwable failure) {
        Generation.Outcome result = outcome == null ? Generation.Outcome.FAILED : outcome;
        String error = null;
        try {
            if (failure != null && signal.clientGone()) {
                result = Generation.Outcome.CANCELLED;
                sink.abandoned(Stop.clientGone().answer());
            } else if (failure != null) {
                GatewayException answer = failure(failure);
                error = answer.getMessage();
                fail(answer);
            }
        } finally {
            Generation.Outcome ended = result;
            String why = error;
            sink.whenDrained(() -> end(ended, why));
        }
    }

    /** The client is gone: aborts the upstream now, except a non-streamed answer that arrived (it is billed). */
    public void clientGone() {
        signal.clientGone(streaming);
        sink.gone();
        wakePump();
    }

    /** The gateway is shutting down and its grace is over: a 503, in-band once the stream started. Any thread. */
    public void shutDown() {
        signal.stop(Stop.shuttingDown(), true);
        wakePump();
    }

    /** What the stream delivered has cost the credit its key reserved for it: ended with an in-band error. */
    public void creditSpent() {
        signal.stop(Stop.creditSpent(), false);
        wakePump();
    }

    /** A stop is seen at the pump's next step, also while it waits for the client rather than the upstream. */
    private void wakePump() {
        EventPump running = pump;
        if (running != null) {
            running.wake();
        }
    }

    /** One try ({@link Failover.Opener}): completes with {@code null} once the relay stopped. */
    private CompletableFuture<UpstreamStream> open(Target next, Endpoint endpoint) {
        target = next;
        Abort abort = new Abort();
        if (!signal.trying(abort)) {
            return CompletableFuture.completedFuture(null);
        }
        sink.trying(context.ticker().nanos());
        return upstream.open(next, endpoint, streaming, this::sent, abort).handle((call, failure) -> {
            if (failure != null) {
                if (signal.reason() != null) {
                    return null; // the stop aborted it: not the endpoint's failure
                }
                throw failure instanceof CompletionException c ? c : new CompletionException(failure);
            }
            if (call.ok() && !signal.answered(call) || signal.reason() != null) {
                call.close();
                return null;
            }
            return call;
        });
    }

    /**
     * A try's request reached the upstream (a Jetty client thread): its prompt is billed from now on, even if the
     * gateway is killed, so its ledger row is asked for now. It is written while the upstream works on the answer,
     * and the client's first byte, which waits for it, seldom finds it unwritten.
     */
    private void sent() {
        generation.sent();
        row.record();
    }

    /** Waits between tries ({@link Failover.Pause}), no thread waiting; the response stays held meanwhile. */
    private CompletableFuture<Boolean> pause(Duration wait) {
        sink.pausing();
        return signal.pause(context.ticker(), wait);
    }

    /**
     * Timer: stops a request that has run longer than {@code ANYROUTER_TOTAL_TIMEOUT_MS}, or a stream whose upstream
     * has been silent longer than {@code ANYROUTER_IDLE_TIMEOUT_MS}, once the upstream answered (before, its connect
     * and first-byte timeouts apply); then lets the sink commit a held stream or keep a quiet one alive.
     */
    void tick() {
        long now = context.ticker().nanos();
        EventPump reading = pump;
        Stop timeout = reading == null ? null : reading.overdue(now - start, context.timeouts());
        if (timeout != null && signal.stop(timeout, false)) {
            logUpstreamFailure(timeout.answer());
            wakePump();
        }
        if (!signal.quiet()) {
            sink.tick(now);
        }
    }
    /**
     * Logs, once and with its cause, how the upstream failed a stream it had accepted (a broken body, a malformed
     * or oversized event, an early end, a timeout); a failed try was logged by {@link Failover}.
     */
    private void logUpstreamFailure(GatewayException e) {
        Lease serving = lease;
        if (!streaming || serving == null) {
            return;
        }
        if (context.running().draining()) { // its own simulator and its connections close under the streams
            LOG.log(System.Logger.Level.DEBUG, "generation {0} ended while the gateway stops: {1}", generation.id(),
                    e.getMessage());
        } else {
            Failover.logFailure(generation, target, serving, e, false);
        }
    }

    /** What the client is told of {@code e}: an upstream failure, the stop that broke the relay, or a bug of ours. */
    private GatewayException failure(Throwable e) {
        Stop reason = signal.reason();
        if (reason != null) {
            return reason.answer(); // a timeout was logged as it stopped the relay
        }
        if (e instanceof GatewayException upstream) {
            logUpstreamFailure(upstream);
            return upstream;
        }
        // Logged here, as nothing above the relay would say which request it was.
        if (e instanceof Error) { // out of memory, say
            LOG.log(System.Logger.Level.ERROR, "generation " + generation.id() + " failed: " + e, e);
            return GatewayException.upstream("the gateway failed while relaying the stream", null);
        }
        LOG.log(System.Logger.Level.WARNING, "generation " + generation.id() + " failed unexpectedly", e);
        return GatewayException.upstream("upstream '" + target.route().upstream().name()
                + "' answered with something the gateway cannot relay", e);
    }

    /** The status answer or the in-band error; a failure to write that must not hide the one reported. */
    private void fail(GatewayException failure) {
        try {
            sink.fail(failure, target.codec());
        } catch (RuntimeException | Error ignored) {
            // the in-band error could not be written either: the client is gone or the sink broke
        }
    }

    /** Ends the client's response first, then the upstream exchange and the lease, then bills. */
    private void end(Generation.Outcome outcome, String error) {
        if (!ended.compareAndSet(false, true)) {
            return; // billed and counted out once
        }
        timer.cancel();
        deadline.cancel();
        signal.end();
        UpstreamStream call = signal.answered();
        boolean gone = signal.clientGone();
        try {
            sink.close();
        } finally {
            try {
                if (call != null && streaming && outcome == Generation.Outcome.COMPLETED && !gone) {
                    call.finish(BODY_END_WAIT);
                } else if (call != null) {
                    call.close();
                }
            } finally {
                if (lease != null) {
                    lease.close();
                }
                // A cancelled generation carries no error text: what failed after the client left was caused by it.
                context.books().finish(generation, gone ? Generation.Outcome.CANCELLED : outcome, gone ? null : error);
                context.running().ended(stopper);
                sink.ended();
            }
        }
    }
}
