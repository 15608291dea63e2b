package dev.anyrouter.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The circuit breaker each upstream endpoint has, and how long a rate-limited endpoint is parked. A breaker opens
 * when at least {@code failureRate} percent of the requests of the last {@code window} failed, once there were at
 * least {@code minRequests} of them; an open endpoint is passed over for the others of its provider during
 * {@code cooldown}, then a trial request decides. A breaker never refuses a request: when every endpoint is open,
 * the request still goes to one of them (see {@code Endpoints}).
 *
 * @param failureRate percent of failed requests that opens a breaker; 0 turns breakers off
 *                    ({@code ANYROUTER_BREAKER_FAILURE_RATE})
 * @param minRequests requests in the window before its failure rate counts ({@code ANYROUTER_BREAKER_MIN_REQUESTS})
 * @param window      the sliding window the rate is taken over, in whole seconds ({@code ANYROUTER_BREAKER_WINDOW_MS})
 * @param cooldown    how long an open endpoint is passed over before a trial request ({@code ANYROUTER_BREAKER_COOLDOWN_MS})
 * @param park        how long an endpoint that answered 429 without {@code Retry-After} is passed over
 *                    ({@code ANYROUTER_RATE_LIMIT_PARK_MS})
 */
public record BreakerConfig(int failureRate, int minRequests, Duration window, Duration cooldown, Duration park) {

    /** The setting these replaced: failures in a row are not a health signal when one request can cause them. */
    private static final String REPLACED = "ANYROUTER_BREAKER_FAILURES";

    public BreakerConfig {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(cooldown, "cooldown");
        Objects.requireNonNull(park, "park");
    }

    public static BreakerConfig from(Settings settings) {
        if (settings.string(REPLACED).isPresent()) {
            throw new ConfigException(settings.describe(REPLACED) + " is no longer read: breakers open on a failure "
                    + "rate; use ANYROUTER_BREAKER_FAILURE_RATE (0 turns them off) and ANYROUTER_BREAKER_MIN_REQUESTS");
        }
        return new BreakerConfig(
                (int) settings.number("ANYROUTER_BREAKER_FAILURE_RATE", 50, 0, 100),
                (int) settings.number("ANYROUTER_BREAKER_MIN_REQUESTS", 20, 1, 100_000),
                settings.millis("ANYROUTER_BREAKER_WINDOW_MS", Duration.ofSeconds(10), Duration.ofSeconds(1),
                        Duration.ofHours(1)),
                settings.millis("ANYROUTER_BREAKER_COOLDOWN_MS", Duration.ofSeconds(30), Duration.ofMillis(10),
                        Duration.ofHours(1)),
                settings.millis("ANYROUTER_RATE_LIMIT_PARK_MS", Duration.ofSeconds(1), Duration.ZERO,
                        Duration.ofMinutes(10)));
    }

    /** The same settings with breakers off. */
    public BreakerConfig off() {
        return new BreakerConfig(0, minRequests, window, cooldown, park);
    }

    /** True when breakers are on. */
    public boolean enabled() {
        return failureRate > 0;
    }
}
