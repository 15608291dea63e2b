package dev.anyrouter.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The YAML configuration file ({@code --config FILE} or {@code ANYROUTER_CONFIG}): every key is one of the
 * environment settings under a readable name ({@code timeouts.idle_ms} is {@code ANYROUTER_IDLE_TIMEOUT_MS}). The
 * environment (and system properties) win over the file. A provider's keys are its settings too
 * ({@code providers.groq.api_key} is {@code GROQ_API_KEY}, see {@link ProvidersConfig}). An unknown key, a list or
 * map where a value belongs, or a file that is not YAML stops the start with a message naming the key.
 */
public final class ConfigFile {

    /** YAML key to setting name, in the order of docs/configuration.md. */
    private static final Map<String, String> KEYS = new LinkedHashMap<>();
    private static final String BOOTSTRAP_KEYS = "keys.bootstrap";
    /** Keys whose value is a YAML list: the setting is its comma-separated items. */
    private static final Set<String> LISTS = Set.of(BOOTSTRAP_KEYS);
    private static final String MODEL_PRICES = "prices.models";
    private static final String PROVIDERS = "providers";
    private static final String ROUTES = "routes";

    static {
        KEYS.put("server.host", "ANYROUTER_HOST");
        KEYS.put("server.port", "ANYROUTER_PORT");
        KEYS.put("server.max_body_bytes", "ANYROUTER_MAX_BODY_BYTES");
        KEYS.put("server.max_messages", "ANYROUTER_MAX_MESSAGES");
        KEYS.put("server.max_content_parts", "ANYROUTER_MAX_CONTENT_PARTS");
        KEYS.put("server.max_tools", "ANYROUTER_MAX_TOOLS");
        KEYS.put("server.max_json_depth", "ANYROUTER_MAX_JSON_DEPTH");
        KEYS.put("server.max_json_tokens", "ANYROUTER_MAX_JSON_TOKENS");
        KEYS.put("server.relay_threads", "ANYROUTER_RELAY_THREADS");
        KEYS.put("server.shutdown_grace_ms", "ANYROUTER_SHUTDOWN_GRACE_MS");
        KEYS.put("server.header_timeout_ms", "ANYROUTER_HEADER_TIMEOUT_MS");
        KEYS.put("server.min_request_rate", "ANYROUTER_MIN_REQUEST_RATE");
        KEYS.put("server.max_connections", "ANYROUTER_MAX_CONNECTIONS");
        KEYS.put("server.max_connections_per_address", "ANYROUTER_MAX_CONNECTIONS_PER_ADDRESS");
        KEYS.put("offline", "ANYROUTER_OFFLINE");
        KEYS.put("default_provider", "ANYROUTER_DEFAULT_PROVIDER");
        KEYS.put(ROUTES, "ANYROUTER_ROUTES");
        KEYS.put("storage.data_dir", "ANYROUTER_DATA_DIR");
        KEYS.put("storage.db_url", "ANYROUTER_DB_URL");
        KEYS.put("storage.db_user", "ANYROUTER_DB_USER");
        KEYS.put("storage.db_password", "ANYROUTER_DB_PASSWORD");
        KEYS.put(BOOTSTRAP_KEYS, "ANYROUTER_API_KEYS");
        KEYS.put("keys.admin_key", "ANYROUTER_ADMIN_KEY");
        KEYS.put("keys.gateway_url", "ANYROUTER_GATEWAY_URL");
        KEYS.put("keys.refresh_ms", "ANYROUTER_KEY_REFRESH_MS");
        KEYS.put("prices.default", "ANYROUTER_DEFAULT_PRICE");
        KEYS.put(MODEL_PRICES, "ANYROUTER_PRICES");
        KEYS.put("streaming.commit_grace_ms", "ANYROUTER_COMMIT_GRACE_MS");
        KEYS.put("streaming.watched_commit_grace_ms", "ANYROUTER_WATCHED_COMMIT_GRACE_MS");
        KEYS.put("streaming.keepalive_ms", "ANYROUTER_KEEPALIVE_MS");
        KEYS.put("timeouts.connect_ms", "ANYROUTER_CONNECT_TIMEOUT_MS");
        KEYS.put("timeouts.first_byte_ms", "ANYROUTER_FIRST_BYTE_TIMEOUT_MS");
        KEYS.put("timeouts.idle_ms", "ANYROUTER_IDLE_TIMEOUT_MS");
        KEYS.put("timeouts.total_ms", "ANYROUTER_TOTAL_TIMEOUT_MS");
        KEYS.put("retries.count", "ANYROUTER_RETRIES");
        KEYS.put("retries.backoff_ms", "ANYROUTER_RETRY_BACKOFF_MS");
        KEYS.put("retries.budget_ms", "ANYROUTER_RETRY_BUDGET_MS");
        KEYS.put("breaker.failure_rate", "ANYROUTER_BREAKER_FAILURE_RATE");
        KEYS.put("breaker.min_requests", "ANYROUTER_BREAKER_MIN_REQUESTS");
        KEYS.put("breaker.window_ms", "ANYROUTER_BREAKER_WINDOW_MS");
        KEYS.put("breaker.cooldown_ms", "ANYROUTER_BREAKER_COOLDOWN_MS");
        KEYS.put("breaker.rate_limit_park_ms", "ANYROUTER_RATE_LIMIT_PARK_MS");
        KEYS.put("limits.key_rpm", "ANYROUTER_KEY_RPM");
        KEYS.put("limits.key_tpm", "ANYROUTER_KEY_TPM");
        KEYS.put("limits.max_streams_per_key", "ANYROUTER_MAX_STREAMS_PER_KEY");
        KEYS.put("limits.max_streams", "ANYROUTER_MAX_STREAMS");
        KEYS.put("limits.window_ms", "ANYROUTER_LIMIT_WINDOW_MS");
        KEYS.put("limits.credit_reserve_tokens", "ANYROUTER_CREDIT_RESERVE_TOKENS");
        KEYS.put("limits.max_event_bytes", "ANYROUTER_MAX_EVENT_BYTES");
        KEYS.put("limits.max_stream_bytes", "ANYROUTER_MAX_STREAM_BYTES");
        KEYS.put("simulator.chunks", "ANYROUTER_SIM_CHUNKS");
        KEYS.put("simulator.chunk_delay_ms", "ANYROUTER_SIM_CHUNK_DELAY_MS");
        KEYS.put("simulator.first_token_ms", "ANYROUTER_SIM_FIRST_TOKEN_MS");
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private ConfigFile() {
    }

    /**
     * {@code base} (the environment, system properties, context parameters) over the file it names in
     * {@code ANYROUTER_CONFIG}, or {@code base} alone when it names none.
     */
    public static Settings over(Settings base) {
        return base.string("ANYROUTER_CONFIG").map(file -> base.orElse(load(Path.of(file)))).orElse(base);
    }

    /** The file's settings; errors name the file and the key. */
    public static Settings load(Path file) {
        String name = file.getFileName().toString();
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw new ConfigException(name + ": not valid YAML (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new ConfigException("ANYROUTER_CONFIG: cannot read " + file.toAbsolutePath() + " ("
                    + e.getClass().getSimpleName() + ")");
        }
        Map<String, String> values = new HashMap<>();
        Map<String, String> keyOf = new HashMap<>();
        KEYS.forEach((key, setting) -> keyOf.put(setting, key));
        Set<String> providers = new HashSet<>();
        if (root != null && !root.isMissingNode() && !root.isNull()) {
            if (!root.isObject()) {
                throw new ConfigException(name + ": expected a map of settings at the top");
            }
            JsonNode declared = root.path(PROVIDERS);
            if (!declared.isMissingNode() && !declared.isNull()) {
                ProviderKeys.read(name, declared, values, keyOf, providers);
            }
            read(name, "", root, values);
        }
        return Settings.of(values::get, setting -> Optional.ofNullable(keyOf.get(setting))
                .map(key -> name + ": " + key).orElse(setting), providers);
    }

    private static void read(String file, String prefix, JsonNode node, Map<String, String> values) {
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String key = prefix + field.getKey();
            JsonNode value = field.getValue();
            if (value.isNull() || key.equals(PROVIDERS)) {
                continue;
            }
            if (key.equals(ROUTES)) {
                values.put(KEYS.get(key), ProviderKeys.routes(file, value));
            } else if (LISTS.contains(key)) {
                values.put(KEYS.get(key), list(file, key, value));
            } else if (key.equals(MODEL_PRICES)) {
                values.put(KEYS.get(key), prices(file, key, value));
            } else if (value.isObject() && KEYS.keySet().stream().anyMatch(k -> k.startsWith(key + "."))) {
                read(file, key + ".", value, values);
            } else if (!KEYS.containsKey(key)) {
                throw new ConfigException(file + ": " + key + ": unknown key (expected one of: "
                        + String.join(", ", KEYS.keySet()) + ", providers.NAME.*)");
            } else if (!value.isValueNode()) {
                throw new ConfigException(file + ": " + key + ": expected a single value, not " + value);
            } else {
                values.put(KEYS.get(key), value.asText());
            }
        }
    }

    /** {@code keys.bootstrap}, a provider's {@code api_keys} or {@code base_urls}: a list of strings. */
    static String list(String file, String key, JsonNode value) {
        if (!value.isArray()) {
            throw new ConfigException(file + ": " + key + ": expected a list");
        }
        List<String> keys = new ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isTextual() || item.asText().contains(",")) {
                throw new ConfigException(file + ": " + key + ": expected a list of strings without commas");
            }
            keys.add(item.asText());
        }
        return String.join(",", keys);
    }

    /** {@code prices.models}: {@code provider/model: PROMPT:COMPLETION} or {@code {prompt: …, completion: …}}. */
    private static String prices(String file, String key, JsonNode value) {
        if (!value.isObject()) {
            throw new ConfigException(file + ": " + key + ": expected a map of provider/model to prices");
        }
        List<String> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> model : value.properties()) {
            JsonNode price = model.getValue();
            String text = price.isObject() ? price.path("prompt").asText() + ":" + price.path("completion").asText()
                    : price.asText();
            if (model.getKey().contains(",") || model.getKey().contains("=")) {
                throw new ConfigException(file + ": " + key + ": '" + model.getKey() + "' is not a model name");
            }
            entries.add(model.getKey() + "=" + text);
        }
        return String.join(",", entries);
    }
}
