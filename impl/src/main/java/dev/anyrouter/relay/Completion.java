package dev.anyrouter.relay;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.api.ErrorTypes;
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
 */
public final class Completion {

    private static final int BODY_LIMIT = 64 << 20;

    private final AnyRouter engine;
    private final List<Target> targets;
    private final URI localBase;
    private final Generation generation;
    private final long startNanos = System.nanoTime();
    private final AtomicBoolean shutDown = new AtomicBoolean();
    private volatile UpstreamCall reading;

    public Completion(AnyRouter engine, List<Target> targets, URI localBase, Generation generation) {
        this.engine = engine;
        this.targets = List.copyOf(targets);
        this.localBase = localBase;
        this.generation = generation;
    }

    /** Runs on a relay thread; upstream failures are thrown as the {@link GatewayException} the client gets. */
    public String run() {
        Generation.Outcome outcome = Generation.Outcome.FAILED;
        String error = null;
        engine.activeRelays().incrementAndGet();
        Runnable stopper = this::shutDown;
        engine.running(stopper);
        try {
            Attempts.Opened opened = new Attempts(engine.config(), engine.router()).open(targets, generation,
                    (target, endpoint) -> engine.upstream().open(target.route(), endpoint, localBase, target.body(),
                            false), this::pause);
            if (opened == null) {
                throw new GatewayException(503, ErrorTypes.OVERLOADED, "the gateway is shutting down");
            }
            try {
                String json = read(opened);
                outcome = Generation.Outcome.COMPLETED;
                return json;
            } finally {
                opened.lease().close();
            }
        } catch (GatewayException e) {
            error = e.getMessage();
            throw e;
        } finally {
            engine.done(stopper);
            engine.activeRelays().decrementAndGet();
            engine.finished(generation.end(outcome, error));
        }
    }

    private String read(Attempts.Opened opened) {
        generation.accepted();
        String provider = opened.target().route().upstream().name();
        AtomicBoolean timedOut = new AtomicBoolean();
        long left = engine.config().totalTimeout().toNanos() - (System.nanoTime() - startNanos);
        try (UpstreamCall call = opened.call()) {
            reading = call;
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
                if (shutDown.get()) {
                    throw new GatewayException(503, ErrorTypes.OVERLOADED, "the gateway is shutting down; try again",
                            Optional.of("1"), e);
                }
                if (timedOut.get()) {
                    throw new GatewayException(504, ErrorTypes.TIMEOUT, "upstream '" + provider
                            + "' did not finish within " + engine.config().totalTimeout().toMillis() + " ms",
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

    /** Shutdown after the grace period: the answer being read is abandoned (503). */
    private void shutDown() {
        shutDown.set(true);
        UpstreamCall call = reading;
        if (call != null) {
            call.close();
        }
    }

    /** Backoff between tries, on this relay thread (never a container thread). */
    private boolean pause(Duration wait) {
        try {
            Thread.sleep(wait.toMillis(), (int) (wait.toNanos() % 1_000_000));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
