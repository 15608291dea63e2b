package dev.anyrouter.relay;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.config.Endpoint;
import dev.anyrouter.config.RetryConfig;
import dev.anyrouter.errors.GatewayException;
import dev.anyrouter.routing.Endpoints;
import dev.anyrouter.routing.Lease;
import dev.anyrouter.routing.Router;
import dev.anyrouter.upstream.UpstreamCall;
import dev.anyrouter.upstream.UpstreamErrors;
import java.time.Duration;
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
 * {@code ANYROUTER_RETRY_BUDGET_MS} of waiting in all; then, like a context-length refusal or a provider whose
 * endpoints are all skipped by their circuit breakers, it moves on to the next fallback model. Any other failure
 * is the client's answer at once. Each try tells its endpoint's breaker how it went.
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

    Attempts(RetryConfig config, Router router) {
        this.config = config;
        this.router = router;
    }

    /**
     * The first success over {@code targets}, or {@code null} if the client left; throws the last failure when
     * every try failed. Each new target is billed from then on ({@link Generation#retarget}).
     */
    Opened open(List<Target> targets, Generation generation, Opener opener, Pause pause) {
        GatewayException last = null;
        for (int t = 0; t < targets.size(); t++) {
            Target target = targets.get(t);
            if (t > 0) {
                LOG.log(System.Logger.Level.INFO, "generation {0}: falling back to {1} ({2})", generation.id(),
                        target.route().requestedModel(), last.getMessage());
                generation.retarget(target.route(), target.price());
            }
            try {
                return model(target, generation, opener, pause);
            } catch (GatewayException e) {
                last = e;
                if (!e.retryable() && !UpstreamErrors.contextLength(e)) {
                    throw e;
                }
            }
        }
        throw last;
    }

    /** The tries of one model: its success, {@code null} if the client left, or throws its last failure. */
    private Opened model(Target target, Generation generation, Opener opener, Pause pause) {
        Endpoints endpoints = router.endpoints(target.route().upstream());
        Set<Integer> failed = new HashSet<>();
        GatewayException last = null;
        for (int attempt = 0; ; attempt++) {
            Lease lease;
            try {
                lease = endpoints.acquire(failed);
            } catch (GatewayException allSkipped) {
                throw last == null ? allSkipped : last; // on a retry the endpoint's own failure says more
            }
            try {
                if (attempt > 0) {
                    // Another endpoint is tried at once; one that failed this request already gets a pause.
                    Optional<Duration> wait = failed.contains(lease.index()) ? backoff(attempt - 1, last.retryAfter())
                            : Optional.of(Duration.ZERO);
                    if (wait.isEmpty()) {
                        break;
                    }
                    if (!wait.get().isZero() && !pause.sleep(wait.get())) {
                        return null;
                    }
                    generation.retried();
                }
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
            if (!last.retryable() || attempt >= config.retries()) {
                break;
            }
        }
        throw last;
    }

    /**
     * One try on the lease's endpoint: the exchange when it answered with a success status, {@code null} when the
     * client left; else throws the failure. A failure of the endpoint's own counts against its breaker; a refusal
     * that is the request's fault (400, 404, …) counts as an answer; a try the client or a shutdown interrupted
     * counts as neither.
     */
    private static Opened once(Target target, Lease lease, Generation generation, Opener opener) {
        UpstreamCall call;
        try {
            call = opener.open(target, lease.endpoint());
        } catch (GatewayException e) {
            if (e.retryable()) {
                lease.failed(e);
            }
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
        int status = call.status();
        GatewayException refused = UpstreamErrors.of(call);
        call.close();
        // 401/403: this endpoint's key is refused; the request may well be fine elsewhere.
        if (refused.retryable() || status == 401 || status == 403) {
            lease.failed(refused);
        } else {
            lease.answered();
        }
        throw refused;
    }

    /** The wait before retry {@code attempt + 1}, or empty when it would exceed the retry budget. */
    private Optional<Duration> backoff(int attempt, Optional<String> retryAfter) {
        long cap = config.backoff().toNanos() << Math.min(attempt, 20);
        long wait = cap == 0 ? 0 : ThreadLocalRandom.current().nextLong(cap + 1);
        wait = Math.max(wait, retryAfter.flatMap(Attempts::seconds).map(Duration::toNanos).orElse(0L));
        if (waitedNanos + wait > config.budget().toNanos()) {
            return Optional.empty();
        }
        waitedNanos += wait;
        return Optional.of(Duration.ofNanos(wait));
    }

    /** {@code Retry-After} in seconds (its HTTP-date form is not used by model APIs). */
    private static Optional<Duration> seconds(String value) {
        try {
            return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim()))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
