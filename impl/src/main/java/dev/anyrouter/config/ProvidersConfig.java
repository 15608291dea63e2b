package dev.anyrouter.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyrouter.api.spi.WireApis;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The upstream providers, the route aliases and the default provider. A provider {@code NAME} is read from
 * {@code NAME_API}, {@code NAME_API_KEY(S)}, {@code NAME_BASE_URL(S)}, {@code NAME_HEADERS}, {@code NAME_MODELS},
 * {@code NAME_API_VERSION} and {@code NAME_H2C} (a config file's {@code providers.NAME.*} keys are these settings).
 * It is configured when a config file declares it, or, for a preset ({@code presets.json}), when its key is set (or
 * its base URL, for presets a URL alone enables). {@code ANYROUTER_OFFLINE} ignores every provider.
 *
 * @param upstreams       the configured providers: the presets' order, then the declared ones by name
 * @param routes          route aliases: a model id without {@code /} to the {@code provider/model}s it tries in order
 * @param defaultProvider the provider of a model id that names neither a provider nor a route
 */
public record ProvidersConfig(List<UpstreamConfig> upstreams, Map<String, List<String>> routes,
        Optional<String> defaultProvider) {

    /** A provider name: also, upper-cased with {@code -} as {@code _}, the prefix of its settings. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9_-]{1,64}");
    /** The Azure OpenAI {@code api-version} used when a provider sets none: the latest GA version of the data-plane API. */
    public static final String AZURE_API_VERSION = "2024-10-21";
    /** The most models one route may list. */
    static final int MAX_ROUTE = 10;
    /** Headers the gateway sets itself: keys go in {@code api_key}, where they stay secret. */
    private static final Set<String> RESERVED_HEADERS = Set.of("authorization", "x-api-key", "api-key", "host",
            "content-length", "content-type", "transfer-encoding", "connection", "accept", "accept-encoding",
            "anthropic-version");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final ObjectMapper JSON = new ObjectMapper();

    public ProvidersConfig {
        upstreams = List.copyOf(upstreams);
        routes = Collections.unmodifiableMap(new LinkedHashMap<>(routes));
        Objects.requireNonNull(defaultProvider, "defaultProvider");
    }

    public static ProvidersConfig from(Settings settings) {
        List<UpstreamConfig> upstreams = settings.flag("ANYROUTER_OFFLINE") ? List.of() : upstreams(settings);
        // Offline the simulated upstream serves every provider: routes and the default may name any.
        boolean offline = upstreams.isEmpty();
        List<String> names = upstreams.stream().map(UpstreamConfig::name).toList();
        Map<String, List<String>> routes = routes(settings, names, offline);
        Optional<String> defaultProvider = settings.string("ANYROUTER_DEFAULT_PROVIDER");
        if (defaultProvider.isPresent() && !offline && !names.contains(defaultProvider.get())) {
            throw new ConfigException(settings.describe("ANYROUTER_DEFAULT_PROVIDER") + ": '" + defaultProvider.get()
                    + "' is not a configured provider (expected one of: " + String.join(", ", names) + ")");
        }
        return new ProvidersConfig(upstreams, routes, defaultProvider);
    }

    /** The settings prefix of a provider: {@code my-llm} reads {@code MY_LLM_API_KEY}, … */
    public static String prefix(String name) {
        return name.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    private static List<UpstreamConfig> upstreams(Settings settings) {
        Set<String> declared = new TreeSet<>(settings.providers());
        Set<String> names = new LinkedHashSet<>(Presets.all().keySet());
        names.addAll(declared);
        List<UpstreamConfig> upstreams = new ArrayList<>();
        for (String name : names) {
            provider(settings, name, declared.contains(name)).ifPresent(upstreams::add);
        }
        return upstreams;
    }

    private static Optional<UpstreamConfig> provider(Settings settings, String name, boolean declared) {
        String prefix = prefix(name);
        Optional<Presets.Preset> preset = Presets.named(name);
        Values keys = oneOf(settings, prefix + "_API_KEY", prefix + "_API_KEYS");
        Values bases = oneOf(settings, prefix + "_BASE_URL", prefix + "_BASE_URLS");
        boolean enabled = declared || !keys.values().isEmpty()
                || !bases.values().isEmpty() && preset.map(Presets.Preset::baseUrlEnables).orElse(false);
        if (!enabled) {
            return Optional.empty();
        }
        String apiSetting = prefix + "_API";
        String wireApi = settings.string(apiSetting).orElse(preset.map(Presets.Preset::api).orElse("openai"));
        if (WireApis.named(wireApi).isEmpty()) {
            throw new ConfigException(settings.describe(apiSetting) + ": '" + wireApi + "' (expected one of: "
                    + String.join(", ", WireApis.names()) + ")");
        }
        if (bases.values().isEmpty() && preset.isEmpty()) {
            throw new ConfigException(settings.describe(bases.setting()) + ": missing (expected: an http or https "
                    + "URL; only presets have one of their own)");
        }
        List<Endpoint> endpoints = endpoints(settings, keys, bases, preset);
        return Optional.of(new UpstreamConfig(name, endpoints, wireApi, headers(settings, prefix + "_HEADERS"),
                settings.list(prefix + "_MODELS"), apiVersion(settings, prefix + "_API_VERSION", wireApi),
                h2c(settings, prefix + "_H2C", endpoints)));
    }

    /**
     * {@code NAME_H2C}: HTTP/2 over cleartext by prior knowledge, for {@code http://} endpoints only (over
     * {@code https://} the upstream client negotiates HTTP/2 itself, docs/decisions/upstream-http2.md).
     */
    private static boolean h2c(Settings settings, String setting, List<Endpoint> endpoints) {
        if (!settings.flag(setting)) {
            return false;
        }
        for (Endpoint endpoint : endpoints) {
            if (!"http".equals(endpoint.baseUri().getScheme())) {
                throw new ConfigException(settings.describe(setting) + ": true for " + endpoint.baseUri()
                        + " (expected: only with http:// base URLs; over https HTTP/2 is negotiated by itself)");
            }
        }
        return true;
    }

    /**
     * One endpoint per key or URL: a single key or URL goes with every endpoint; two lists pair by position, so
     * they must be as long as each other.
     */
    private static List<Endpoint> endpoints(Settings settings, Values keys, Values bases,
            Optional<Presets.Preset> preset) {
        int count = Math.max(keys.values().size(), bases.values().size());
        if (keys.values().size() > 1 && bases.values().size() > 1 && keys.values().size() != bases.values().size()) {
            throw new ConfigException(settings.describe(bases.setting()) + ": " + bases.values().size()
                    + " URLs, but " + settings.describe(keys.setting()) + " has " + keys.values().size()
                    + " keys (expected: one URL, one key, or as many URLs as keys: they pair by position)");
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < Math.max(count, 1); i++) {
            String base = bases.values().isEmpty() ? preset.orElseThrow().baseUrl() : bases.at(i);
            Optional<Secret> key = keys.values().isEmpty() ? Optional.empty() : Optional.of(Secret.of(keys.at(i)));
            endpoints.add(new Endpoint(UpstreamConfig.baseUri(settings.describe(bases.setting()), base), key));
        }
        return endpoints;
    }

    /** {@code NAME_HEADERS}: a JSON object of header names to strings (a config file's {@code headers} map). */
    private static Map<String, String> headers(Settings settings, String setting) {
        Optional<String> raw = settings.string(setting);
        if (raw.isEmpty()) {
            return Map.of();
        }
        String where = settings.describe(setting);
        JsonNode tree;
        try {
            tree = JSON.readTree(raw.get());
        } catch (IOException e) {
            tree = null;
        }
        if (tree == null || !tree.isObject()) {
            throw new ConfigException(where + ": not a map (expected: header names to values, as a JSON object in "
                    + "a variable)");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> header : tree.properties()) {
            String name = header.getKey();
            JsonNode value = header.getValue();
            if (!HEADER_NAME.matcher(name).matches()) {
                throw new ConfigException(where + ": '" + name + "' (expected: a header name)");
            }
            if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                throw new ConfigException(where + ": " + name + " is set by the gateway (expected: other headers; "
                        + "a key goes in api_key)");
            }
            if (!value.isValueNode() || value.isNull() || value.asText().chars().anyMatch(Character::isISOControl)) {
                throw new ConfigException(where + ": " + name + " (expected: a single-line text value)");
            }
            headers.put(name, value.asText());
        }
        return headers;
    }

    private static Optional<String> apiVersion(Settings settings, String setting, String wireApi) {
        Optional<String> version = settings.string(setting);
        if (!"azure-openai".equals(wireApi)) {
            if (version.isPresent()) {
                throw new ConfigException(settings.describe(setting) + ": set for api '" + wireApi
                        + "' (expected: only with api azure-openai)");
            }
            return Optional.empty();
        }
        return Optional.of(version.orElse(AZURE_API_VERSION));
    }

    /** {@code ANYROUTER_ROUTES}: {@code alias=provider/model|provider/model,…} (a config file's {@code routes}). */
    private static Map<String, List<String>> routes(Settings settings, List<String> providers, boolean offline) {
        String where = settings.describe("ANYROUTER_ROUTES");
        Map<String, List<String>> routes = new LinkedHashMap<>();
        for (String entry : settings.list("ANYROUTER_ROUTES")) {
            int eq = entry.indexOf('=');
            String alias = eq < 0 ? "" : entry.substring(0, eq).trim();
            if (alias.isEmpty() || alias.contains("/") || alias.chars().anyMatch(Character::isISOControl)) {
                throw new ConfigException(where + ": '" + entry + "' (expected: ALIAS=provider/model|provider/model,"
                        + " an alias without '/')");
            }
            List<String> models = new ArrayList<>();
            for (String model : entry.substring(eq + 1).split("\\|")) {
                String id = model.trim();
                int slash = id.indexOf('/');
                if (slash <= 0 || slash == id.length() - 1) {
                    throw new ConfigException(where + ": " + alias + ": '" + id + "' (expected: provider/model)");
                }
                String provider = id.substring(0, slash);
                if (!offline && !providers.contains(provider)) {
                    throw new ConfigException(where + ": " + alias + ": '" + id + "' names provider '" + provider
                            + "', which is not configured (expected one of: " + String.join(", ", providers) + ")");
                }
                models.add(id);
            }
            if (models.size() > MAX_ROUTE) {
                throw new ConfigException(where + ": " + alias + ": " + models.size() + " models (expected: at most "
                        + MAX_ROUTE + ")");
            }
            routes.put(alias, List.copyOf(models));
        }
        return routes;
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
