package dev.anyrouter.relay;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.config.Endpoint;
import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.errors.GatewayException;
import dev.anyrouter.upstream.UpstreamCall;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One non-streamed answer (chat completions or Messages): forwards the request, with retries and fallbacks
 * ({@link Attempts}), and returns the upstream's JSON as the serving model's {@code Translation} makes it for
 * the client, with the generation id. The whole exchange is bounded by {@code ANYROUTER_TOTAL_TIMEOUT_MS}.
 *
 * <p>Nothing is written to the client until the answer, so the container does not notice by itself when the client
 * leaves; whoever does (a watch on the connection) calls {@link #cancel()}, which aborts the upstream exchange at
 * whatever point it is before the upstream's answer, as {@link StreamRelay#cancel()} does for a stream; after it, the
 * answer is read to its end and billed by its usage. The generation then ends {@code cancelled}: billed its prompt
 * if the upstream had the request but had not answered yet (see {@link Generation}).
 */
public final class Completion {

    private static final System.Logger LOG = System.getLogger(Completion.class.getName());
    private static final int BODY_LIMIT = 64 << 20;

    private final AnyRouter engine;
    private final List<Target> targets;
    private final URI localBase;
    private final Generation generation;
    private final long startNanos = System.nanoTime();
    private final AtomicBoolean shutDown = new AtomicBoolean();
    private final Object lock = new Object();
    private Thread opening;
    private UpstreamCall reading;
    private boolean cancelled;
    private boolean ended;

    public Completion(AnyRouter engine, List<Target> targets, URI localBase, Generation generation) {
        this.engine = engine;
        this.targets = List.copyOf(targets);
        this.localBase = localBase;
        this.generation = generation;
    }

    /**
     * Runs on a relay thread; upstream failures are thrown as the {@link GatewayException} the client gets, and a
     * cancelled request as a 499 (nginx's "client closed request"), which nobody reads: the client has gone.
     */
    public String run() {
        Generation.Outcome outcome = Generation.Outcome.FAILED;
        String error = null;
        engine.activeRelays().incrementAndGet();
        Runnable stopper = this::shutDown;
        engine.running(stopper);
        try {
            Attempts.Opened opened = new Attempts(engine.config().retry(), engine.router()).open(targets, generation,
                    this::open, this::pause);
            if (opened != null) {
                generation.accepted(); // billed from now on, even if the client leaves before the answer
                engine.ledger().begin(generation).record(); // or the gateway is killed
            }
            try {
                if (opened == null) {
                    throwIfCancelled(null);
                    throw new GatewayException(503, ErrorTypes.OVERLOADED, "the gateway is shutting down");
                }
                // Read even if the client left since the upstream answered: the answer is made, and billed by its usage.
                String json = read(opened);
                throwIfCancelled(null);
                outcome = Generation.Outcome.COMPLETED;
                return json;
            } finally {
                if (opened != null) {
                    opened.lease().close();
                }
            }
        } catch (GatewayException e) {
            if (cancelled()) {
                outcome = Generation.Outcome.CANCELLED;
            } else {
                error = e.getMessage();
            }
            throw e;
        } finally {
            synchronized (lock) {
                ended = true;
            }
            try {
                engine.finish(generation, outcome, error);
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.ERROR, "generation " + generation.id() + " could not be billed: " + e, e);
            } finally {
                engine.done(stopper);
                engine.activeRelays().decrementAndGet();
            }
        }
    }

    private String read(Attempts.Opened opened) {
        String provider = opened.target().route().upstream().name();
        AtomicBoolean timedOut = new AtomicBoolean();
        long left = engine.config().timeouts().total().toNanos() - (System.nanoTime() - startNanos);
        try (UpstreamCall call = opened.call()) {
            if (shutDown.get()) {
                call.close();
            }
            ScheduledFuture<?> deadline = engine.timer().schedule(() -> {
                timedOut.set(true);
                call.close();
            }, Math.max(0, left), TimeUnit.NANOSECONDS);
            try {
                return opened.target().translation().completion(call.text(BODY_LIMIT));
            } catch (IOException | RuntimeException e) {
                throwIfCancelled(e);
                if (shutDown.get()) {
                    throw new GatewayException(503, ErrorTypes.OVERLOADED, "the gateway is shutting down; try again",
                            Optional.of("1"), e);
                }
                if (timedOut.get()) {
                    throw new GatewayException(504, ErrorTypes.TIMEOUT, "upstream '" + provider
                            + "' did not finish within " + engine.config().timeouts().total().toMillis() + " ms",
                            Optional.empty(), e);
                }
                if (e instanceof GatewayException g) {
                    throw g;
                }
                throw GatewayException.upstream("upstream '" + provider + "' sent an unreadable completion", e);
            } finally {
                deadline.cancel(false);
            }
        }
    }

    /**
     * The client is gone: abort the upstream exchange now if the upstream has not answered yet. Once it has, its
     * answer is already made: it is read to its end (within the total timeout) so that it is billed by its usage.
     * Safe from any thread, any number of times.
     */
    public void cancel() {
        synchronized (lock) {
            if (cancelled || ended) {
                return;
            }
            cancelled = true;
            if (opening != null) {
                // The connector aborts an exchange whose thread is interrupted while it waits for headers.
                opening.interrupt();
            }
        }
    }

    /** Opens one exchange, noting the thread for {@link #cancel()}; {@code null} once cancelled. */
    private UpstreamCall open(Target target, Endpoint endpoint) {
        synchronized (lock) {
            if (cancelled) {
                return null;
            }
            opening = Thread.currentThread();
        }
        UpstreamCall call = null;
        try {
            call = engine.upstream().open(target.route(), endpoint, localBase, target.body(), false,
                    generation::sent);
        } catch (GatewayException e) {
            if (!cancelled()) {
                throw e;
            }
        } finally {
            synchronized (lock) {
                opening = null;
                Thread.interrupted(); // an interrupt meant for the open must not hit what follows
                reading = cancelled ? null : call;
            }
        }
        if (call != null && cancelled()) {
            call.close();
            return null;
        }
        return call;
    }

    private boolean cancelled() {
        synchronized (lock) {
            return cancelled;
        }
    }

    private void throwIfCancelled(Throwable cause) {
        if (cancelled()) {
            throw new GatewayException(499, ErrorTypes.INVALID_REQUEST, "the client closed the connection",
                    Optional.empty(), cause);
        }
    }

    /** Shutdown after the grace period: the answer being read is abandoned (503). */
    private void shutDown() {
        shutDown.set(true);
        UpstreamCall call;
        synchronized (lock) {
            call = reading;
        }
        if (call != null) {
            call.close();
        }
    }

    /** Backoff between tries, on this relay thread (never a container thread); false once cancelled. */
    private boolean pause(Duration wait) {
        synchronized (lock) {
            if (cancelled) {
                return false;
            }
            opening = Thread.currentThread();
        }
        try {
            Thread.sleep(wait.toMillis(), (int) (wait.toNanos() % 1_000_000));
            return true;
        } catch (InterruptedException e) {
            if (!cancelled()) {
                Thread.currentThread().interrupt(); // a shutdown
            }
            return false;
        } finally {
            synchronized (lock) {
                opening = null;
                if (cancelled) {
                    Thread.interrupted();
                }
            }
        }
    }
}
