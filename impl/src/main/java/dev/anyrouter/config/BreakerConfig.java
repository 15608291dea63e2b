package dev.anyrouter.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The circuit breaker each upstream endpoint has: after {@code failures} failures in a row the endpoint is skipped
 * for {@code cooldown}; then one request is let through, and its success puts the endpoint back.
 *
 * @param failures failures in a row that open the breaker; 0 turns breakers off ({@code ANYROUTER_BREAKER_FAILURES})
 * @param cooldown how long an open endpoint is skipped before a trial request ({@code ANYROUTER_BREAKER_COOLDOWN_MS})
 */
public record BreakerConfig(int failures, Duration cooldown) {

    public BreakerConfig {
        Objects.requireNonNull(cooldown, "cooldown");
    }

    public static BreakerConfig from(Settings settings) {
        return new BreakerConfig(
                (int) settings.number("ANYROUTER_BREAKER_FAILURES", 5, 0, 1000),
                settings.millis("ANYROUTER_BREAKER_COOLDOWN_MS", Duration.ofSeconds(30), Duration.ofMillis(10),
                        Duration.ofHours(1)));
    }

    /** True when breakers are on. */
    public boolean enabled() {
        return failures > 0;
    }
}
