package dev.anyrouter.relay;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.config.Endpoint;
import dev.anyrouter.config.UpstreamConfig;
import dev.anyrouter.ops.LogText;
import dev.anyrouter.routing.Endpoints;
import dev.anyrouter.routing.Lease;
import dev.anyrouter.routing.Verdict;
import dev.anyrouter.upstream.LocalFailures;
import dev.anyrouter.upstream.UpstreamErrors;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Opens the upstream exchange of a request as its {@link RetryPolicy} decides, over its models and their providers'
 * endpoints: takes each try's endpoint ({@link Endpoints#acquire}), gives each endpoint the request tried one
 * {@link Verdict} from its first try there (none for a failure of the gateway itself, {@link LocalFailures}, nor
 * for a try the relay aborted), and logs every failed try once, with its cause.
 */
final class Failover {

    private static final System.Logger LOG = System.getLogger(Failover.class.getName());

    /**
     * Opens one exchange with one endpoint: completes with it once its headers arrived, with {@code null} when the
     * relay stopped meanwhile, or fails with the client's answer.
     */
    interface Opener {
        CompletableFuture<UpstreamStream> open(Target target, Endpoint endpoint);
    }

    /** Waits without a thread: completes with false when the relay stopped meanwhile. */
    interface Pause {
        CompletableFuture<Boolean> sleep(Duration duration);
    }

    /** The exchange that answered with a success status, its model, and the endpoint it holds until closed. */
    record Opened(Target target, UpstreamStream call, Lease lease) {
    }

    private final Function<UpstreamConfig, Endpoints> endpoints;
    private final RetryPolicy policy;
    private final Generation generation;
    private final Executor steps;
    private final CompletableFuture<Opened> result = new CompletableFuture<>();
    private Opener opener;
    private Pause pause;
    /** The models in the order they are tried, the one being tried, and the one billed. */
    private List<Target> order;
    private int model = -1;
    private Target billed;
    /** The tries of the current model: its endpoints, those that failed, the try's number. */
    private Endpoints choice;
    private Set<Integer> failed;
    private int attempt;
    private GatewayException last;
    /** Whether the last try's endpoint refused the gateway's key (401, 403). */
    private boolean keyRefused;

    /** {@code steps}: where each step after an answer or a pause runs (never a thread of the upstream client). */
    Failover(Function<UpstreamConfig, Endpoints> endpoints, RetryPolicy policy, Generation generation,
            Executor steps) {
        this.endpoints = endpoints;
        this.policy = policy;
        this.generation = generation;
        this.steps = steps;
    }

    /**
     * Opens the first success over {@code targets} without waiting: completes with it, with {@code null} when the
     * relay stopped, or fails with the client's answer when every try failed. One step runs at a time, on
     * {@code steps} once the first try is sent. Each new model is billed from then on ({@link Generation#retarget}).
     */
    CompletableFuture<Opened> open(List<Target> targets, Opener opener, Pause pause) {
        this.opener = opener;
        this.pause = pause;
        billed = targets.get(0);
        order = policy.order(targets, t -> endpoints.apply(t.route().upstream()).everyOpen());
        guarded(this::nextModel);
        return result;
    }

    /** The next model's first try, or the client's answer when there is none. */
    private void nextModel() {
        model++;
        if (model >= order.size()) {
            throw policy.answer(last);
        }
        Target target = order.get(model);
        if (model > 0) {
            LOG.log(System.Logger.Level.INFO, "generation {0}: falling back to {1} ({2})", generation.id(),
                    LogText.escape(target.route().requestedModel()), LogText.escape(last.getMessage()));
        }
        if (target != billed) {
            generation.retarget(target.route(), target.price());
            billed = target;
        }
        choice = endpoints.apply(target.route().upstream());
        failed = new HashSet<>();
        attempt = 0;
        nextTry();
    }

    /** The current model's next try: at once, or after the policy's wait. */
    private void nextTry() {
        Lease lease = choice.acquire(failed);
        if (attempt == 0) {
            send(lease);
            return;
        }
        Optional<Duration> wait;
        CompletableFuture<Boolean> paused;
        try {
            wait = policy.wait(attempt, failed.contains(lease.index()), last);
            paused = wait.isEmpty() || wait.get().isZero() ? null : pause.sleep(wait.get());
        } catch (RuntimeException | Error e) {
            lease.close(); // the timer refuses a pause once the gateway stops
            throw e;
        }
        if (wait.isEmpty()) {
            lease.close();
            modelFailed();
        } else if (paused == null) {
            generation.retried();
            send(lease);
        } else {
            paused.whenCompleteAsync((going, failure) -> guarded(() -> {
                if (failure != null || !going) {
                    lease.close();
                    if (failure != null) {
                        throw new IllegalStateException("the pause between tries failed", failure);
                    }
                    result.complete(null);
                    return;
                }
                generation.retried();
                send(lease);
            }), steps);
        }
    }

    /** Sends a try on the lease's endpoint; its answer is judged on {@code steps}. */
    private void send(Lease lease) {
        Target target = order.get(model);
        keyRefused = false;
        policy.tried();
        CompletableFuture<UpstreamStream> call;
        try {
            call = opener.open(target, lease.endpoint());
        } catch (RuntimeException | Error e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenCompleteAsync((answered, failure) -> guarded(() -> answered(target, lease, answered,
                failure == null ? null : Completions.cause(failure))), steps);
    }

    /**
     * A try's answer: the exchange when it answered with a success status, {@code null} when the relay stopped;
     * else the failure, after telling the endpoint's breaker what it says of the endpoint, and the next try.
     */
    private void answered(Target target, Lease lease, UpstreamStream call, Throwable failure) {
        if (failure instanceof GatewayException e) {
            boolean local = LocalFailures.local(e);
            if (e.retryable() && !local) {
                lease.judge(Verdict.FAILED, e, null); // unreachable or timed out
            }
            logFailure(generation, target, lease, e, local);
            tryFailed(lease, e);
            return;
        }
        if (failure != null) {
            lease.close();
            throw failure instanceof RuntimeException r ? r : new IllegalStateException(failure);
        }
        if (call == null) {
            lease.close();
            result.complete(null);
            return;
        }
        generation.upstreamStatus(call.status());
        if (call.ok()) {
            lease.answered();
            result.complete(new Opened(target, call, lease)); // the lease is the caller's now
            return;
        }
        keyRefused = call.status() == 401 || call.status() == 403;
        call.refusal().whenCompleteAsync((refused, unreadable) -> guarded(() -> {
            call.close();
            if (unreadable != null) {
                lease.close();
                throw new IllegalStateException("the upstream's refusal could not be judged", unreadable);
            }
            lease.judge(refused.verdict(), refused.error(), UpstreamErrors.retryAfter(refused.error()).orElse(null));
            if (refused.verdict() == Verdict.FAILED || refused.verdict() == Verdict.SUSPECT) {
                logFailure(generation, target, lease, refused.error(), false);
            }
            tryFailed(lease, refused.error());
        }), steps);
    }

    /** A try failed with {@code e}: the same model again, the next one, or the client's answer. */
    private void tryFailed(Lease lease, GatewayException e) {
        lease.close();
        last = e;
        failed.add(lease.index());
        if (policy.again(last, attempt, keyRefused, failed.size(), choice.size())) {
            attempt++;
            nextTry();
        } else {
            modelFailed();
        }
    }

    /** Every try of the current model failed: the next model if the policy falls back on this failure. */
    private void modelFailed() {
        if (!policy.fallBack(last)) {
            throw policy.answer(last);
        }
        nextModel();
    }

    /** Runs a step; what it throws ends the opening with that failure. */
    private void guarded(Runnable step) {
        try {
            step.run();
        } catch (RuntimeException | Error e) {
            result.completeExceptionally(e);
        }
    }

    /**
     * Logs a failed try once, with its cause: the generation, the provider and the endpoint's index and host
     * (never its key). A local failure says so: it was not counted against the endpoint.
     */
    static void logFailure(Generation generation, Target target, Lease lease, GatewayException failure,
            boolean local) {
        String host = lease.endpoint().baseUri().getHost();
        LOG.log(System.Logger.Level.WARNING, "generation " + generation.id() + ": upstream '"
                + target.route().upstream().name() + "' endpoint " + lease.index() + " ("
                + (host == null ? "the gateway's own simulator" : host) + ") "
                + (local ? "not reached, a failure of the gateway itself (not counted against the endpoint): "
                        : "failed: ")
                + failure.getMessage() + (failure.getCause() == null ? ""
                        : " (cause: " + LocalFailures.rootCause(failure.getCause()) + ")"));
    }
}
