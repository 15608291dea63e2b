package dev.anyrouter.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Per-key rate limits and the caps on requests in flight. Zero means unlimited throughout.
 *
 * @param rpm              requests per window a key may start, unless the key has its own ({@code ANYROUTER_KEY_RPM})
 * @param tpm              tokens per window a key may use, unless the key has its own ({@code ANYROUTER_KEY_TPM})
 * @param maxStreamsPerKey requests of one key in flight on this replica ({@code ANYROUTER_MAX_STREAMS_PER_KEY})
 * @param maxStreams       requests in flight on this replica ({@code ANYROUTER_MAX_STREAMS})
 * @param window           the rate limits' window: a minute, shorter only for tests ({@code ANYROUTER_LIMIT_WINDOW_MS})
 * @param reserveTokens    completion tokens a limited key's request reserves credit for when it sets no
 *                         {@code max_tokens} ({@code ANYROUTER_CREDIT_RESERVE_TOKENS})
 * @param maxEventBytes    the largest upstream event of a stream, in bytes ({@code ANYROUTER_MAX_EVENT_BYTES})
 * @param maxStreamBytes   the most bytes one upstream stream may send ({@code ANYROUTER_MAX_STREAM_BYTES})
 */
public record LimitsConfig(long rpm, long tpm, int maxStreamsPerKey, int maxStreams, Duration window,
        long reserveTokens, long maxEventBytes, long maxStreamBytes) {

    /** The largest requests-per-window limit (a key's own or the default). */
    public static final long MAX_RPM = 1_000_000_000L;
    /** The largest tokens-per-window limit (a key's own or the default). */
    public static final long MAX_TPM = 1_000_000_000_000L;

    public LimitsConfig {
        Objects.requireNonNull(window, "window");
    }

    public static LimitsConfig from(Settings settings) {
        return new LimitsConfig(
                settings.number("ANYROUTER_KEY_RPM", 0, 0, MAX_RPM),
                settings.number("ANYROUTER_KEY_TPM", 0, 0, MAX_TPM),
                (int) settings.number("ANYROUTER_MAX_STREAMS_PER_KEY", 0, 0, 1_000_000),
                (int) settings.number("ANYROUTER_MAX_STREAMS", 0, 0, 1_000_000),
                settings.millis("ANYROUTER_LIMIT_WINDOW_MS", Duration.ofMinutes(1), Duration.ofMillis(100),
                        Duration.ofHours(1)),
                settings.number("ANYROUTER_CREDIT_RESERVE_TOKENS", 4096, 1, 10_000_000),
                settings.number("ANYROUTER_MAX_EVENT_BYTES", 1 << 20, 1024, 256L << 20),
                settings.number("ANYROUTER_MAX_STREAM_BYTES", 256L << 20, 1 << 20, 64L << 30));
    }
}
