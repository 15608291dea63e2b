package dev.anyrouter.relay;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.config.RetryConfig;
import dev.anyrouter.upstream.UpstreamErrors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongUnaryOperator;
import java.util.function.Predicate;

/**
 * The retry and fallback decisions of one request, before anything reached its client (docs/resilience.md): pure,
 * it takes what happened and answers what to do; {@link Failover} carries the decisions out. A retryable failure
 * (connect error, timeout, 429, 5xx) is tried again on the same model up to {@code ANYROUTER_RETRIES} times: on an
 * endpoint the request has not tried yet at once, on one that failed it already after exponential backoff with full
 * jitter (at least the upstream's {@code Retry-After}), within {@code ANYROUTER_RETRY_BUDGET_MS} of waiting in all.
 * Then, like a context-length refusal, the request falls back to the next model. A refused key (401, 403) moves to
 * an endpoint not tried yet. Randomness is injected, so every decision is reproducible in a test; no decision
 * depends on the time of day (the budget counts the waits decided, not the time passed).
 */
final class RetryPolicy {

    private final RetryConfig config;
    /** A uniform random value in {@code [0, bound]} for a {@code bound}. */
    private final LongUnaryOperator random;
    private long waitedNanos;
    private int tries;

    RetryPolicy(RetryConfig config, LongUnaryOperator random) {
        this.config = Objects.requireNonNull(config, "config");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** The policy of one request, with {@link ThreadLocalRandom} for the jitter. */
    static RetryPolicy of(RetryConfig config) {
        return new RetryPolicy(config, bound -> ThreadLocalRandom.current().nextLong(bound + 1));
    }

    /** The order to try models in: as given, those {@code unavailable} (every breaker open) after the others. */
    <T> List<T> order(List<T> targets, Predicate<T> unavailable) {
        if (targets.size() == 1) {
            return targets;
        }
        List<T> order = new ArrayList<>(targets);
        order.sort(Comparator.comparing(unavailable::test)); // stable: the given order among equals
        return order;
    }

    /** A try is made; counted for {@link #answer}. */
    void tried() {
        tries++;
    }

    /**
     * Whether the model is tried again after try number {@code attempt} (0 for the first) failed with {@code last}:
     * a retryable failure within the retries, or a refused key while the provider has an endpoint not tried yet.
     */
    boolean again(GatewayException last, int attempt, boolean keyRefused, int failedEndpoints, int endpoints) {
        boolean elsewhere = keyRefused && failedEndpoints < endpoints;
        return (last.retryable() || elsewhere) && attempt < config.retries();
    }

    /**
     * The wait before try number {@code attempt} (1 for the first retry) on an endpoint, or empty when it would
     * exceed the retry budget: none on an endpoint that has not failed this request, else the backoff.
     */
    Optional<Duration> wait(int attempt, boolean endpointFailed, GatewayException last) {
        if (!endpointFailed) {
            return Optional.of(Duration.ZERO);
        }
        long cap = config.backoff().toNanos() << Math.min(attempt - 1, 20);
        long wait = cap == 0 ? 0 : random.applyAsLong(cap);
        wait = Math.max(wait, UpstreamErrors.retryAfter(last).map(Duration::toNanos).orElse(0L));
        if (waitedNanos + wait > config.budget().toNanos()) {
            return Optional.empty();
        }
        waitedNanos += wait;
        return Optional.of(Duration.ofNanos(wait));
    }

    /** Whether the request moves on to its next model after this one's last failure. */
    boolean fallBack(GatewayException failure) {
        return failure.retryable() || UpstreamErrors.contextLength(failure);
    }

    /** The client's answer when every try failed: marked as retried when there was more than one try. */
    GatewayException answer(GatewayException last) {
        return tries > 1 ? last.afterRetries() : last;
    }
}
