package dev.anyrouter.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the engine needs to start, read once. Each field's setting name and default are in the README's
 * configuration table.
 *
 * @param apiKeys           client keys accepted as {@code Authorization: Bearer …} ({@code ANYROUTER_API_KEYS})
 * @param openAi            the OpenAI-compatible upstream, when {@code OPENAI_API_KEY} or {@code OPENAI_BASE_URL} is set
 *                          and {@code ANYROUTER_OFFLINE} is not {@code true}
 * @param maxBodyBytes      the largest request body accepted ({@code ANYROUTER_MAX_BODY_BYTES})
 * @param commitGrace       how long a stream's 200 is held while the upstream is silent ({@code ANYROUTER_COMMIT_GRACE_MS})
 * @param keepAlive         the longest silence on a committed stream before a comment is sent ({@code ANYROUTER_KEEPALIVE_MS})
 * @param connectTimeout    upstream connect timeout ({@code ANYROUTER_CONNECT_TIMEOUT_MS})
 * @param firstByteTimeout  upstream response-header timeout ({@code ANYROUTER_FIRST_BYTE_TIMEOUT_MS})
 * @param relayThreads      on JDK 17, the most streams relayed at once ({@code ANYROUTER_RELAY_THREADS});
 *                          JDK 21+ uses a virtual thread per stream
 */
public record GatewayConfig(
        List<String> apiKeys,
        Optional<UpstreamConfig> openAi,
        long maxBodyBytes,
        Duration commitGrace,
        Duration keepAlive,
        Duration connectTimeout,
        Duration firstByteTimeout,
        int relayThreads) {

    public static final String DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1";

    public GatewayConfig {
        apiKeys = List.copyOf(apiKeys);
        Objects.requireNonNull(openAi, "openAi");
        Objects.requireNonNull(commitGrace, "commitGrace");
        Objects.requireNonNull(keepAlive, "keepAlive");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(firstByteTimeout, "firstByteTimeout");
    }

    public static GatewayConfig from(Settings settings) {
        return new GatewayConfig(
                settings.list("ANYROUTER_API_KEYS"),
                openAi(settings),
                settings.number("ANYROUTER_MAX_BODY_BYTES", 4L << 20, 1024, 1L << 30),
                settings.millis("ANYROUTER_COMMIT_GRACE_MS", Duration.ofMillis(250), Duration.ZERO, Duration.ofSeconds(5)),
                settings.millis("ANYROUTER_KEEPALIVE_MS", Duration.ofMillis(300), Duration.ofMillis(10), Duration.ofMinutes(1)),
                settings.millis("ANYROUTER_CONNECT_TIMEOUT_MS", Duration.ofSeconds(10), Duration.ofMillis(1), Duration.ofMinutes(5)),
                settings.millis("ANYROUTER_FIRST_BYTE_TIMEOUT_MS", Duration.ofSeconds(120), Duration.ofMillis(1), Duration.ofHours(1)),
                (int) settings.number("ANYROUTER_RELAY_THREADS", 2000, 1, 100_000));
    }

    /** True when no upstream is configured: every {@code provider/model} is served by the simulated upstream. */
    public boolean offline() {
        return openAi.isEmpty();
    }

    public GatewayConfig withApiKeys(List<String> keys) {
        return new GatewayConfig(keys, openAi, maxBodyBytes, commitGrace, keepAlive, connectTimeout, firstByteTimeout,
                relayThreads);
    }

    private static Optional<UpstreamConfig> openAi(Settings settings) {
        if (settings.flag("ANYROUTER_OFFLINE")) {
            return Optional.empty();
        }
        Optional<String> key = settings.string("OPENAI_API_KEY");
        Optional<String> base = settings.string("OPENAI_BASE_URL");
        if (key.isEmpty() && base.isEmpty()) {
            return Optional.empty();
        }
        URI uri = UpstreamConfig.baseUri("OPENAI_BASE_URL", base.orElse(DEFAULT_OPENAI_BASE_URL));
        return Optional.of(new UpstreamConfig("openai", uri, key.map(Secret::of)));
    }
}
