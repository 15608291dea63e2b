package dev.anyrouter.config;

import dev.anyrouter.accounting.Price;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Everything the engine needs to start, read once. Each field's setting name and default are in the README's
 * configuration table.
 *
 * @param apiKeys           client keys accepted as {@code Authorization: Bearer …} ({@code ANYROUTER_API_KEYS})
 * @param openAi            the OpenAI-compatible upstream, when {@code OPENAI_API_KEY(S)} or {@code OPENAI_BASE_URL(S)}
 *                          is set and {@code ANYROUTER_OFFLINE} is not {@code true}
 * @param anthropic         the Anthropic upstream, when {@code ANTHROPIC_API_KEY(S)} or {@code ANTHROPIC_BASE_URL(S)}
 *                          is set and {@code ANYROUTER_OFFLINE} is not {@code true}
 * @param maxBodyBytes      the largest request body accepted ({@code ANYROUTER_MAX_BODY_BYTES})
 * @param bodyLimits        what one request body may hold: messages, content parts, tools, JSON depth and tokens
 *                          ({@code ANYROUTER_MAX_MESSAGES}, …)
 * @param timeouts          the held 200, keep-alives and the upstream timeouts ({@code ANYROUTER_COMMIT_GRACE_MS}, …)
 * @param relayThreads      on JDK 17, the most streams relayed at once ({@code ANYROUTER_RELAY_THREADS});
 *                          JDK 21+ uses a virtual thread per stream
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
        Optional<UpstreamConfig> openAi,
        Optional<UpstreamConfig> anthropic,
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

    public static final String DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1";
    public static final String DEFAULT_ANTHROPIC_BASE_URL = "https://api.anthropic.com";

    public GatewayConfig {
        apiKeys = List.copyOf(apiKeys);
        Objects.requireNonNull(openAi, "openAi");
        Objects.requireNonNull(anthropic, "anthropic");
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
                upstream(settings, "openai", "OPENAI", DEFAULT_OPENAI_BASE_URL, Api.CHAT_COMPLETIONS),
                upstream(settings, "anthropic", "ANTHROPIC", DEFAULT_ANTHROPIC_BASE_URL, Api.MESSAGES),
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
        return openAi.isEmpty() && anthropic.isEmpty();
    }

    /** The configured upstreams. */
    public List<UpstreamConfig> upstreams() {
        return Stream.of(openAi, anthropic).flatMap(Optional::stream).toList();
    }

    public GatewayConfig withApiKeys(List<String> keys) {
        return new GatewayConfig(keys, openAi, anthropic, maxBodyBytes, bodyLimits, timeouts, relayThreads, storage, adminKey,
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

    /**
     * An upstream from {@code {PREFIX}_API_KEY} or {@code {PREFIX}_API_KEYS}, and {@code {PREFIX}_BASE_URL} or
     * {@code {PREFIX}_BASE_URLS}, when any is set. One endpoint per key or URL: a single key or URL goes with every
     * endpoint; two lists pair by position, so they must be as long as each other.
     */
    private static Optional<UpstreamConfig> upstream(Settings settings, String name, String prefix,
            String defaultBase, Api api) {
        if (settings.flag("ANYROUTER_OFFLINE")) {
            return Optional.empty();
        }
        Values keys = oneOf(settings, prefix + "_API_KEY", prefix + "_API_KEYS");
        Values bases = oneOf(settings, prefix + "_BASE_URL", prefix + "_BASE_URLS");
        if (keys.values().isEmpty() && bases.values().isEmpty()) {
            return Optional.empty();
        }
        int count = Math.max(keys.values().size(), bases.values().size());
        if (keys.values().size() > 1 && bases.values().size() > 1 && keys.values().size() != bases.values().size()) {
            throw new ConfigException(settings.describe(bases.setting()) + ": " + bases.values().size()
                    + " URLs, but " + settings.describe(keys.setting()) + " has " + keys.values().size()
                    + " keys (expected: one URL, one key, or as many URLs as keys: they pair by position)");
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String base = bases.values().isEmpty() ? defaultBase : bases.at(i);
            Optional<Secret> key = keys.values().isEmpty() ? Optional.empty() : Optional.of(Secret.of(keys.at(i)));
            endpoints.add(new Endpoint(UpstreamConfig.baseUri(settings.describe(bases.setting()), base), key));
        }
        return Optional.of(new UpstreamConfig(name, endpoints, api));
    }

    /** The values of one setting; a single value goes with every endpoint. */
    private record Values(String setting, List<String> values) {
        String at(int endpoint) {
            return values.get(values.size() == 1 ? 0 : endpoint);
        }
    }

    /**
     * The one of a single-value setting and its comma-separated list form that is set (the single one, empty,
     * when neither is).
     */
    private static Values oneOf(Settings settings, String single, String list) {
        if (settings.string(single).isPresent() && settings.string(list).isPresent()) {
            throw new ConfigException(settings.describe(single) + " and " + settings.describe(list)
                    + ": both set (expected: one of them)");
        }
        return settings.string(list).isPresent() ? new Values(list, settings.list(list))
                : new Values(single, settings.string(single).stream().toList());
    }
}
