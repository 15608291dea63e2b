package dev.anyrouter.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The well-known providers that their environment variables alone enable ({@code presets.json}, data rather than
 * code): each one's wire API and public base URL.
 */
final class Presets {

    /**
     * @param name           the provider name, and in upper case the prefix of its variables
     * @param api            the wire API it speaks
     * @param baseUrl        its public (or usual local) base URL
     * @param baseUrlEnables whether {@code NAME_BASE_URL(S)} alone enables it (a local server needs no key)
     */
    record Preset(String name, String api, String baseUrl, boolean baseUrlEnables) {
    }

    private static final Map<String, Preset> ALL = load();

    private Presets() {
    }

    /** Every preset, in the file's order. */
    static Map<String, Preset> all() {
        return ALL;
    }

    static Optional<Preset> named(String name) {
        return Optional.ofNullable(ALL.get(name));
    }

    private static Map<String, Preset> load() {
        try (InputStream in = Presets.class.getResourceAsStream("presets.json")) {
            if (in == null) {
                throw new IllegalStateException("presets.json is missing from the classpath");
            }
            Map<String, Preset> presets = new LinkedHashMap<>();
            for (JsonNode preset : new ObjectMapper().readTree(in).path("presets")) {
                String name = preset.path("name").asText();
                presets.put(name, new Preset(name, preset.path("api").asText(), preset.path("base_url").asText(),
                        preset.path("base_url_enables").asBoolean(false)));
            }
            return presets;
        } catch (IOException e) {
            throw new UncheckedIOException("presets.json cannot be read", e);
        }
    }
}
