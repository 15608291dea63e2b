package dev.anyrouter.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the engine needs to start, read once. Each field's setting name and default are in docs/configuration.md's
 * configuration table.
 *
 * @param apiKeys           client keys accepted as {@code Authorization: Bearer …} ({@code ANYROUTER_API_KEYS})
 * @param providers         the upstream providers ({@code OPENAI_API_KEY}, {@code providers:} in a config file, …),
 *                          route aliases and the default provider; none when {@code ANYROUTER_OFFLINE} is {@code true}
 * @param maxBodyBytes      the largest request body accepted ({@code ANYROUTER_MAX_BODY_BYTES})
 * @param bodyLimits        what one request body may hold: messages, content parts, tools, JSON depth and tokens
 *                          ({@code ANYROUTER_MAX_MESSAGES}, …)
 * @param timeouts          the held 200, keep-alives and the upstream timeouts ({@code ANYROUTER_COMMIT_GRACE_MS}, …)
 * @param relayThreads      on JDK 17, the most relayed requests being admitted at once, each on a relay thread
 *                          ({@code ANYROUTER_RELAY_THREADS}); one waiting for its upstream holds none. JDK 21+ uses
 *                          virtual threads
 * @param storage           where keys, credits and the ledger are kept ({@code ANYROUTER_DB_URL}, {@code ANYROUTER_DATA_DIR})
 * @param adminKey          the key of the admin API ({@code ANYROUTER_ADMIN_KEY}); without it the admin API is off
 * @param keyRefresh        how often the stored keys are reloaded ({@code ANYROUTER_KEY_REFRESH_MS})
 * @param prices            price overrides, {@code provider/model=PROMPT:COMPLETION,…} ({@code ANYROUTER_PRICES})
 * @param defaultPrice      the price of models without one ({@code ANYROUTER_DEFAULT_PRICE})
 * @param retry             retries before the first byte ({@code ANYROUTER_RETRIES}, …)
 * @param shutdownGrace     how long running requests may go on at shutdown ({@code ANYROUTER_SHUTDOWN_GRACE_MS})
 * @param limits            per-key rate limits and caps on requests in flight ({@code ANYROUTER_KEY_RPM}, …)
 * @param breaker           each upstream endpoint's circuit breaker ({@code ANYROUTER_BREAKER_FAILURES}, …)
 */
public record GatewayConfig(
        List<String> apiKeys,
        ProvidersConfig providers,
        long maxBodyBytes,
        BodyLimitsConfig bodyLimits,
        TimeoutsConfig timeouts,
        int relayThreads,
        StorageConfig storage,
        Optional<Secret> adminKey,
        Duration keyRefresh,
        Map<String, Price> prices,
        Price defaultPrice,
        RetryConfig retry,
        Duration shutdownGrace,
        LimitsConfig limits,
        BreakerConfig breaker) {

    public GatewayConfig {
        apiKeys = List.copyOf(apiKeys);
        Objects.requireNonNull(providers, "providers");
        Objects.requireNonNull(bodyLimits, "bodyLimits");
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(storage, "storage");
        Objects.requireNonNull(adminKey, "adminKey");
        Objects.requireNonNull(keyRefresh, "keyRefresh");
        prices = Collections.unmodifiableMap(new LinkedHashMap<>(prices));
        Objects.requireNonNull(defaultPrice, "defaultPrice");
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(breaker, "breaker");
    }

    public static GatewayConfig from(Settings settings) {
        return new GatewayConfig(
                settings.list("ANYROUTER_API_KEYS"),
                ProvidersConfig.from(settings),
                settings.number("ANYROUTER_MAX_BODY_BYTES", 4L << 20, 1024, 1L << 30),
                BodyLimitsConfig.from(settings),
                TimeoutsConfig.from(settings),
                (int) settings.number("ANYROUTER_RELAY_THREADS", 2000, 1, 100_000),
                StorageConfig.from(settings),
                settings.string("ANYROUTER_ADMIN_KEY").map(key -> adminKey(key, settings.describe("ANYROUTER_ADMIN_KEY"))),
                settings.millis("ANYROUTER_KEY_REFRESH_MS", Duration.ofSeconds(5), Duration.ofMillis(10), Duration.ofHours(1)),
                prices(settings),
                price(settings.string("ANYROUTER_DEFAULT_PRICE", DEFAULT_PRICE), settings.describe("ANYROUTER_DEFAULT_PRICE")),
                RetryConfig.from(settings),
                settings.millis("ANYROUTER_SHUTDOWN_GRACE_MS", Duration.ofSeconds(10), Duration.ZERO, Duration.ofHours(1)),
                LimitsConfig.from(settings),
                BreakerConfig.from(settings));
    }

    /** True when no upstream is configured: every {@code provider/model} is served by the simulated upstream. */
    public boolean offline() {
        return providers.upstreams().isEmpty();
    }

    /** The configured upstreams. */
    public List<UpstreamConfig> upstreams() {
        return providers.upstreams();
    }

    /** The configured provider of that name. */
    public Optional<UpstreamConfig> provider(String name) {
        return upstreams().stream().filter(upstream -> upstream.name().equals(name)).findFirst();
    }

    public GatewayConfig withApiKeys(List<String> keys) {
        return new GatewayConfig(keys, providers, maxBodyBytes, bodyLimits, timeouts, relayThreads, storage, adminKey,
                keyRefresh, prices, defaultPrice, retry, shutdownGrace, limits, breaker);
    }

    /** For models nobody priced: GPT-4 Turbo's list price, so that credit limits hold for unknown models too. */
    public static final String DEFAULT_PRICE = "0.00001:0.00003";

    private static Secret adminKey(String key, String where) {
        if (key.length() < 16) {
            throw new ConfigException(where + ": too short (expected: at least 16 characters)");
        }
        return Secret.of(key);
    }

    private static Map<String, Price> prices(Settings settings) {
        Map<String, Price> prices = new LinkedHashMap<>();
        for (String entry : settings.list("ANYROUTER_PRICES")) {
            int eq = entry.indexOf('=');
            int slash = entry.indexOf('/');
            if (eq <= 0 || slash <= 0 || slash > eq) {
                throw new ConfigException(settings.describe("ANYROUTER_PRICES") + ": '" + entry
                        + "' (expected: provider/model=PROMPT:COMPLETION, comma-separated)");
            }
            String model = entry.substring(0, eq).trim();
            prices.put(model, price(entry.substring(eq + 1), settings.describe("ANYROUTER_PRICES") + " " + model));
        }
        return prices;
    }

    private static Price price(String text, String where) {
        try {
            return Price.parse(text, where);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }
}
