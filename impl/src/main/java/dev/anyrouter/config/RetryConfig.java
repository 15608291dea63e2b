package dev.anyrouter.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Tries of a model again after a failure before its first byte: how many, how far apart, within what budget.
 *
 * @param retries  retries per model of a request that failed before its first byte ({@code ANYROUTER_RETRIES})
 * @param backoff  the first retry's backoff; it doubles, with full jitter ({@code ANYROUTER_RETRY_BACKOFF_MS})
 * @param budget   the most time spent waiting between tries of one request ({@code ANYROUTER_RETRY_BUDGET_MS})
 */
public record RetryConfig(int retries, Duration backoff, Duration budget) {

    public RetryConfig {
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(budget, "budget");
    }

    public static RetryConfig from(Settings settings) {
        return new RetryConfig(
                (int) settings.number("ANYROUTER_RETRIES", 2, 0, 10),
                settings.millis("ANYROUTER_RETRY_BACKOFF_MS", Duration.ofMillis(250), Duration.ZERO, Duration.ofMinutes(1)),
                settings.millis("ANYROUTER_RETRY_BUDGET_MS", Duration.ofSeconds(10), Duration.ZERO, Duration.ofMinutes(10)));
    }
}
