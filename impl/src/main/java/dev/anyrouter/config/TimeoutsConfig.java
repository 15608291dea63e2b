package dev.anyrouter.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How long the gateway waits, and for what: on the client's side (the held 200, keep-alives) and on the upstream's
 * (connect, response headers, silence between events, the whole request).
 *
 * @param commitGrace  how long a stream's 200 is held while the upstream is silent, where the client's connection
 *                     cannot be watched meanwhile (a WAR, HTTP/2) ({@code ANYROUTER_COMMIT_GRACE_MS})
 * @param watchedGrace the same where the gateway watches the client's connection while it holds the 200 (the
 *                     embedded server, HTTP/1.1): a client that leaves is noticed without a write, so the answer can
 *                     be held until the upstream's first event, as long as no proxy between would time it out
 *                     ({@code ANYROUTER_WATCHED_COMMIT_GRACE_MS})
 * @param keepAlive    the longest silence on a committed stream before a comment is sent ({@code ANYROUTER_KEEPALIVE_MS})
 * @param connect      upstream connect timeout ({@code ANYROUTER_CONNECT_TIMEOUT_MS})
 * @param firstByte    upstream response-header timeout ({@code ANYROUTER_FIRST_BYTE_TIMEOUT_MS})
 * @param idle         the longest upstream silence between events of a stream ({@code ANYROUTER_IDLE_TIMEOUT_MS})
 * @param total        the longest a request may take in all ({@code ANYROUTER_TOTAL_TIMEOUT_MS})
 */
public record TimeoutsConfig(Duration commitGrace, Duration watchedGrace, Duration keepAlive, Duration connect, Duration firstByte,
        Duration idle, Duration total) {

    public TimeoutsConfig {
        Objects.requireNonNull(commitGrace, "commitGrace");
        Objects.requireNonNull(watchedGrace, "watchedGrace");
        Objects.requireNonNull(keepAlive, "keepAlive");
        Objects.requireNonNull(connect, "connect");
        Objects.requireNonNull(firstByte, "firstByte");
        Objects.requireNonNull(idle, "idle");
        Objects.requireNonNull(total, "total");
    }

    public static TimeoutsConfig from(Settings settings) {
        return new TimeoutsConfig(
                settings.millis("ANYROUTER_COMMIT_GRACE_MS", Duration.ofMillis(250), Duration.ZERO, Duration.ofSeconds(5)),
                settings.millis("ANYROUTER_WATCHED_COMMIT_GRACE_MS", Duration.ofSeconds(5), Duration.ZERO, Duration.ofMinutes(1)),
                settings.millis("ANYROUTER_KEEPALIVE_MS", Duration.ofMillis(300), Duration.ofMillis(10), Duration.ofMinutes(1)),
                settings.millis("ANYROUTER_CONNECT_TIMEOUT_MS", Duration.ofSeconds(10), Duration.ofMillis(1), Duration.ofMinutes(5)),
                settings.millis("ANYROUTER_FIRST_BYTE_TIMEOUT_MS", Duration.ofSeconds(120), Duration.ofMillis(1), Duration.ofHours(1)),
                settings.millis("ANYROUTER_IDLE_TIMEOUT_MS", Duration.ofSeconds(60), Duration.ofMillis(10), Duration.ofHours(1)),
                settings.millis("ANYROUTER_TOTAL_TIMEOUT_MS", Duration.ofMinutes(10), Duration.ofMillis(10), Duration.ofHours(24)));
    }
}
