package dev.anyrouter.relay;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.config.Endpoint;
import dev.anyrouter.config.RetryConfig;
import dev.anyrouter.errors.GatewayException;
import dev.anyrouter.ops.LogText;
import dev.anyrouter.routing.Endpoints;
import dev.anyrouter.routing.Lease;
import dev.anyrouter.routing.Router;
import dev.anyrouter.routing.Verdict;
import dev.anyrouter.upstream.LocalFailures;
import dev.anyrouter.upstream.UpstreamCall;
import dev.anyrouter.upstream.UpstreamErrors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Opens the upstream exchange of a request, trying again before anything reached the client: a retryable failure
 * (connect error, timeout, 429, 5xx) is retried on the same model up to {@code ANYROUTER_RETRIES} times, on
 * another endpoint of its provider when there is one not tried yet (at once), else on one tried before after
 * exponential backoff with full jitter (at least the upstream's {@code Retry-After}), within
 * {@code ANYROUTER_RETRY_BUDGET_MS} of waiting in all; then, like a context-length refusal, it moves on to the next
 * fallback model. Models whose provider has every endpoint's breaker open are tried after the others. An endpoint that refused the gateway's key passes the request to another endpoint not tried yet.
 * Any other failure is the client's answer at once, and a failure after more than one try tells the client not to
 * retry it itself. Each request gives each endpoint it tried one {@link Verdict}, from its first try there, except
 * for a failure of the gateway itself ({@link LocalFailures}): that gives none. Every failed try is logged once,
 * with its cause.
 */
final class Attempts {

    private static final System.Logger LOG = System.getLogger(Attempts.class.getName());

    /** Opens one exchange with one endpoint; {@code null} when the client left meanwhile. */
    interface Opener {
        UpstreamCall open(Target target, Endpoint endpoint);
    }

    /** Waits; false when the client left meanwhile. */
    interface Pause {
        boolean sleep(Duration duration);
    }

    /**
     * The exchange that answered with a success status, the model it is for, and the endpoint it holds until the
     * caller closes the lease at the end of the request.
     */
    record Opened(Target target, UpstreamCall call, Lease lease) {
    }

    private final RetryConfig config;
    private final Router router;
    private long waitedNanos;
    /** Upstream tries made for the request, over all its models. */
    private int tries;
    /** Whether the last try's endpoint refused the gateway's key (401, 403). */
    private boolean keyRefused;

    Attempts(RetryConfig config, Router router) {
        this.config = config;
        this.router = router;
    }

    /**
     * The first success over {@code targets}, or {@code null} if the client left; throws the last failure when
     * every try failed, marked {@link GatewayException#afterRetries()} when there was more than one try. Each new
     * target is billed from then on ({@link Generation#retarget}).
     */
    Opened open(List<Target> targets, Generation generation, Opener opener, Pause pause) {
        GatewayException last = null;
        Target billed = targets.get(0);
        List<Target> order = openLast(targets);
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
                return model(target, generation, opener, pause);
            } catch (GatewayException e) {
                last = e;
                if (!e.retryable() && !UpstreamErrors.contextLength(e)) {
                    break;
                }
            }
        }
        throw tries > 1 ? last.afterRetries() : last;
    }

    /** The targets, those whose provider has every endpoint's breaker open moved after the others. */
    private List<Target> openLast(List<Target> targets) {
        if (targets.size() == 1) {
            return targets;
        }
        List<Target> order = new ArrayList<>(targets);
        order.sort(Comparator.comparing(t -> router.endpoints(t.route().upstream()).everyOpen()));
        return order;
    }

    /** The tries of one model: its success, {@code null} if the client left, or throws its last failure. */
    private Opened model(Target target, Generation generation, Opener opener, Pause pause) {
        Endpoints endpoints = router.endpoints(target.route().upstream());
        Set<Integer> failed = new HashSet<>();
        GatewayException last = null;
        for (int attempt = 0; ; attempt++) {
            Lease lease = endpoints.acquire(failed);
            try {
                if (attempt > 0) {
                    // Another endpoint is tried at once; one that failed this request already gets a pause.
                    Optional<Duration> wait = failed.contains(lease.index())
                            ? backoff(attempt - 1, UpstreamErrors.retryAfter(last))
                            : Optional.of(Duration.ZERO);
                    if (wait.isEmpty()) {
                        break;
                    }
                    if (!wait.get().isZero() && !pause.sleep(wait.get())) {
                        return null;
                    }
                    generation.retried();
                }
                tries++;
                Opened opened = once(target, lease, generation, opener);
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
            // A refused key may be this endpoint's alone: another endpoint not tried yet may take the request.
            boolean elsewhere = keyRefused && failed.size() < endpoints.size();
            if (!last.retryable() && !elsewhere || attempt >= config.retries()) {
                break;
            }
        }
        throw last;
    }

    /**
     * One try on the lease's endpoint: the exchange when it answered with a success status, {@code null} when the
     * client left; else throws the failure, after telling the endpoint's breaker what it says of the endpoint
     * ({@link Verdict}). A try the client or a shutdown interrupted counts as nothing.
     */
    private Opened once(Target target, Lease lease, Generation generation, Opener opener) {
        keyRefused = false;
        UpstreamCall call;
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
        UpstreamErrors.Refused refused = UpstreamErrors.of(call);
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

    /** The wait before retry {@code attempt + 1}, or empty when it would exceed the retry budget. */
    private Optional<Duration> backoff(int attempt, Optional<Duration> retryAfter) {
        long cap = config.backoff().toNanos() << Math.min(attempt, 20);
        long wait = cap == 0 ? 0 : ThreadLocalRandom.current().nextLong(cap + 1);
        wait = Math.max(wait, retryAfter.map(Duration::toNanos).orElse(0L));
        if (waitedNanos + wait > config.budget().toNanos()) {
            return Optional.empty();
        }
        waitedNanos += wait;
        return Optional.of(Duration.ofNanos(wait));
    }
}
