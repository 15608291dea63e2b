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
import java.util.function.Function;

/**
 * Opens the upstream exchange of a request as its {@link RetryPolicy} decides, over its models and their providers'
 * endpoints: takes each try's endpoint ({@link Endpoints#acquire}), gives each endpoint the request tried one
 * {@link Verdict} from its first try there (none for a failure of the gateway itself, {@link LocalFailures}, nor
 * for a try the relay aborted), and logs every failed try once, with its cause.
 */
final class Failover {

    private static final System.Logger LOG = System.getLogger(Failover.class.getName());

    /** Opens one exchange with one endpoint; {@code null} when the relay stopped meanwhile. */
    interface Opener {
        UpstreamStream open(Target target, Endpoint endpoint);
    }

    /** Waits; false when the relay stopped meanwhile. */
    interface Pause {
        boolean sleep(Duration duration);
    }

    /** The exchange that answered with a success status, its model, and the endpoint it holds until closed. */
    record Opened(Target target, UpstreamStream call, Lease lease) {
    }

    private final Function<UpstreamConfig, Endpoints> endpoints;
    private final RetryPolicy policy;
    private final Generation generation;
    /** Whether the last try's endpoint refused the gateway's key (401, 403). */
    private boolean keyRefused;

    Failover(Function<UpstreamConfig, Endpoints> endpoints, RetryPolicy policy, Generation generation) {
        this.endpoints = endpoints;
        this.policy = policy;
        this.generation = generation;
    }

    /**
     * The first success over {@code targets}, or {@code null} when the relay stopped; throws the client's answer
     * when every try failed. Each new model is billed from then on ({@link Generation#retarget}).
     */
    Opened open(List<Target> targets, Opener opener, Pause pause) {
        GatewayException last = null;
        Target billed = targets.get(0);
        List<Target> order = policy.order(targets, t -> endpoints.apply(t.route().upstream()).everyOpen());
        for (int t = 0; t < order.size(); t++) {
            Target target = order.get(t);
            if (t > 0) {
                LOG.log(System.Logger.Level.INFO, "generation {0}: falling back to {1} ({2})", generation.id(),
                        LogText.escape(target.route().requestedModel()), LogText.escape(last.getMessage()));
            }
            if (target != billed) {
                generation.retarget(target.route(), target.price());
                billed = target;
            }
            try {
                return model(target, opener, pause);
            } catch (GatewayException e) {
                last = e;
                if (!policy.fallBack(e)) {
                    break;
                }
            }
        }
        throw policy.answer(last);
    }

    /** The tries of one model: its success, {@code null} when the relay stopped, or throws its last failure. */
    private Opened model(Target target, Opener opener, Pause pause) {
        Endpoints choice = endpoints.apply(target.route().upstream());
        Set<Integer> failed = new HashSet<>();
        GatewayException last = null;
        for (int attempt = 0; ; attempt++) {
            Lease lease = choice.acquire(failed);
            try {
                if (attempt > 0) {
                    Optional<Duration> wait = policy.wait(attempt, failed.contains(lease.index()), last);
                    if (wait.isEmpty()) {
                        break;
                    }
                    if (!wait.get().isZero() && !pause.sleep(wait.get())) {
                        return null;
                    }
                    generation.retried();
                }
                policy.tried();
                Opened opened = once(target, lease, opener);
                if (opened != null) {
                    lease = null; // the caller's now
                }
                return opened;
            } catch (GatewayException e) {
                last = e;
                failed.add(lease.index());
            } finally {
                if (lease != null) {
                    lease.close();
                }
            }
            if (!policy.again(last, attempt, keyRefused, failed.size(), choice.size())) {
                break;
            }
        }
        throw last;
    }

    /**
     * One try on the lease's endpoint: the exchange when it answered with a success status, {@code null} when the
     * relay stopped; else throws the failure, after telling the endpoint's breaker what it says of the endpoint.
     */
    private Opened once(Target target, Lease lease, Opener opener) {
        keyRefused = false;
        UpstreamStream call;
        try {
            call = opener.open(target, lease.endpoint());
        } catch (GatewayException e) {
            boolean local = LocalFailures.local(e);
            if (e.retryable() && !local) {
                lease.judge(Verdict.FAILED, e, null); // unreachable or timed out
            }
            logFailure(generation, target, lease, e, local);
            throw e;
        }
        if (call == null) {
            return null;
        }
        generation.upstreamStatus(call.status());
        if (call.ok()) {
            lease.answered();
            return new Opened(target, call, lease);
        }
        UpstreamErrors.Refused refused = call.refusal();
        keyRefused = call.status() == 401 || call.status() == 403;
        call.close();
        lease.judge(refused.verdict(), refused.error(), UpstreamErrors.retryAfter(refused.error()).orElse(null));
        if (refused.verdict() == Verdict.FAILED || refused.verdict() == Verdict.SUSPECT) {
            logFailure(generation, target, lease, refused.error(), false);
        }
        throw refused.error();
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
