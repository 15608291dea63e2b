package dev.anyrouter.relay;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.config.GatewayConfig;
import dev.anyrouter.errors.GatewayException;
import dev.anyrouter.upstream.UpstreamCall;
import dev.anyrouter.upstream.UpstreamErrors;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Opens the upstream exchange of a request, trying again before anything reached the client: a retryable failure
 * (connect error, timeout, 429, 5xx) is retried on the same model up to {@code ANYROUTER_RETRIES} times with
 * exponential backoff and full jitter (at least the upstream's {@code Retry-After}), within
 * {@code ANYROUTER_RETRY_BUDGET_MS} of waiting in all; then, like a context-length refusal, it moves on to the
 * next fallback model. Any other failure is the client's answer at once.
 */
final class Attempts {

    private static final System.Logger LOG = System.getLogger(Attempts.class.getName());

    /** Opens one exchange; {@code null} when the client left meanwhile. */
    interface Opener {
        UpstreamCall open(Target target);
    }

    /** Waits; false when the client left meanwhile. */
    interface Pause {
        boolean sleep(Duration duration);
    }

    /** The exchange that answered with a success status, and the model it is for. */
    record Opened(Target target, UpstreamCall call) {
    }

    private final GatewayConfig config;
    private long waitedNanos;

    Attempts(GatewayConfig config) {
        this.config = config;
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
            for (int attempt = 0; ; attempt++) {
                try {
                    UpstreamCall call = opener.open(target);
                    if (call == null) {
                        return null;
                    }
                    generation.upstreamStatus(call.status());
                    if (call.ok()) {
                        return new Opened(target, call);
                    }
                    GatewayException refused = UpstreamErrors.of(call);
                    call.close();
                    throw refused;
                } catch (GatewayException e) {
                    last = e;
                }
                if (!last.retryable() || attempt >= config.retries()) {
                    break;
                }
                Optional<Duration> wait = backoff(attempt, last.retryAfter());
                if (wait.isEmpty()) {
                    break;
                }
                if (!pause.sleep(wait.get())) {
                    return null;
                }
                generation.retried();
            }
            if (!last.retryable() && !UpstreamErrors.contextLength(last)) {
                throw last;
            }
        }
        throw last;
    }

    /** The wait before retry {@code attempt + 1}, or empty when it would exceed the retry budget. */
    private Optional<Duration> backoff(int attempt, Optional<String> retryAfter) {
        long cap = config.retryBackoff().toNanos() << Math.min(attempt, 20);
        long wait = cap == 0 ? 0 : ThreadLocalRandom.current().nextLong(cap + 1);
        wait = Math.max(wait, retryAfter.flatMap(Attempts::seconds).map(Duration::toNanos).orElse(0L));
        if (waitedNanos + wait > config.retryBudget().toNanos()) {
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
