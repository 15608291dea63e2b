package dev.anyrouter.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A config file's {@code providers} and {@code routes} sections, as the settings {@link ProvidersConfig} reads:
 * {@code providers.NAME.KEY} is the setting {@code NAME_KEY} ({@code NAME} upper-cased, {@code -} as {@code _}),
 * {@code routes} is {@code ANYROUTER_ROUTES}.
 */
final class ProviderKeys {

    /** A provider's keys ({@code providers.NAME.KEY}) to the suffix of its setting ({@code NAME_API_KEY}, …). */
    private static final Map<String, String> KEYS = new LinkedHashMap<>();
    private static final Set<String> LISTS = Set.of("base_urls", "api_keys", "models");
    private static final String ROUTES = "routes";

    static {
        KEYS.put("api", "_API");
        KEYS.put("base_url", "_BASE_URL");
        KEYS.put("base_urls", "_BASE_URLS");
        KEYS.put("api_key", "_API_KEY");
        KEYS.put("api_keys", "_API_KEYS");
        KEYS.put("headers", "_HEADERS");
        KEYS.put("models", "_MODELS");
        KEYS.put("api_version", "_API_VERSION");
        KEYS.put("h2c", "_H2C");
    }

    private ProviderKeys() {
    }

    /**
     * {@code providers}: each named provider's keys become its settings ({@code providers.mine.api_key} is
     * {@code MINE_API_KEY}), and the provider is declared.
     */
    static void read(String file, JsonNode declared, Map<String, String> values,
            Map<String, String> keyOf, Set<String> providers) {
        if (!declared.isObject()) {
            throw new ConfigException(file + ": providers: expected a map of provider names to their settings");
        }
        Map<String, String> prefixes = new HashMap<>();
        for (Map.Entry<String, JsonNode> provider : declared.properties()) {
            String name = provider.getKey();
            String where = file + ": providers." + name;
            if (!ProvidersConfig.NAME.matcher(name).matches()) {
                throw new ConfigException(where + ": not a provider name (expected: 1 to 64 of a-z, 0-9, _ and -)");
            }
            String prefix = ProvidersConfig.prefix(name);
            if (prefix.equals("ANYROUTER") || prefixes.containsKey(prefix)) {
                throw new ConfigException(where + ": its settings (" + prefix + "_*) would be those of "
                        + (prefix.equals("ANYROUTER") ? "the gateway" : "'" + prefixes.get(prefix) + "'")
                        + " (expected: another name)");
            }
            prefixes.put(prefix, name);
            providers.add(name);
            KEYS.forEach((key, suffix) -> keyOf.put(prefix + suffix, "providers." + name + "." + key));
            JsonNode settings = provider.getValue();
            if (settings.isNull()) {
                continue;
            }
            if (!settings.isObject()) {
                throw new ConfigException(where + ": expected a map of its settings (" + String.join(", ",
                        KEYS.keySet()) + ")");
            }
            for (Map.Entry<String, JsonNode> field : settings.properties()) {
                String key = "providers." + name + "." + field.getKey();
                String suffix = KEYS.get(field.getKey());
                JsonNode value = field.getValue();
                if (suffix == null) {
                    throw new ConfigException(file + ": " + key + ": unknown key (expected one of: "
                            + String.join(", ", KEYS.keySet()) + ")");
                }
                if (value.isNull()) {
                    continue;
                }
                if (LISTS.contains(field.getKey())) {
                    values.put(prefix + suffix, ConfigFile.list(file, key, value));
                } else if (field.getKey().equals("headers")) {
                    values.put(prefix + suffix, headers(file, key, value));
                } else if (!value.isValueNode()) {
                    throw new ConfigException(file + ": " + key + ": expected a single value, not " + value);
                } else {
                    values.put(prefix + suffix, value.asText());
                }
            }
        }
    }

    /** A provider's {@code headers}: a map of header names to single values, kept as the JSON its setting takes. */
    private static String headers(String file, String key, JsonNode value) {
        if (!value.isObject()) {
            throw new ConfigException(file + ": " + key + ": expected a map of header names to values");
        }
        for (Map.Entry<String, JsonNode> header : value.properties()) {
            if (!header.getValue().isValueNode() || header.getValue().isNull()) {
                throw new ConfigException(file + ": " + key + "." + header.getKey() + ": expected a single value");
            }
        }
        return value.toString();
    }

    /** {@code routes}: a map of aliases to lists of {@code provider/model}s. */
    static String routes(String file, JsonNode value) {
        if (!value.isObject()) {
            throw new ConfigException(file + ": routes: expected a map of aliases to lists of provider/model");
        }
        List<String> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> route : value.properties()) {
            String key = ROUTES + "." + route.getKey();
            if (route.getKey().matches(".*[,=|].*")) {
                throw new ConfigException(file + ": " + key + ": not an alias (expected: a model id without , = or |)");
            }
            JsonNode models = route.getValue();
            if (!models.isArray() || models.isEmpty()) {
                throw new ConfigException(file + ": " + key + ": expected a non-empty list of provider/model");
            }
            List<String> ids = new ArrayList<>();
            for (JsonNode model : models) {
                if (!model.isTextual() || model.asText().matches(".*[,=|].*")) {
                    throw new ConfigException(file + ": " + key + ": " + model
                            + " (expected: provider/model, without , = or |)");
                }
                ids.add(model.asText());
            }
            entries.add(route.getKey() + "=" + String.join("|", ids));
        }
        return String.join(",", entries);
    }
}
