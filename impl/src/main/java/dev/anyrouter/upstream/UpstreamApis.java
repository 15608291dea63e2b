package dev.anyrouter.upstream;

import dev.anyrouter.config.Secret;
import dev.anyrouter.config.UpstreamConfig;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The {@link UpstreamApi} of each name a provider's {@code api} may take ({@link UpstreamConfig#WIRE_APIS}). */
final class UpstreamApis {

    private static final Map<String, UpstreamApi> BY_NAME = Map.of(
            "openai", new OpenAi(),
            "anthropic", new Anthropic(),
            "azure-openai", new AzureOpenAi());

    private UpstreamApis() {
    }

    static UpstreamApi of(UpstreamConfig upstream) {
        UpstreamApi api = BY_NAME.get(upstream.wireApi());
        if (api == null) {
            throw new IllegalArgumentException("api: '" + upstream.wireApi() + "' (expected one of: "
                    + BY_NAME.keySet() + ")");
        }
        return api;
    }

    /** The names it knows. */
    static Set<String> names() {
        return BY_NAME.keySet();
    }

    /** OpenAI Chat Completions and every compatible server: {@code Authorization: Bearer KEY}. */
    private static final class OpenAi implements UpstreamApi {
        @Override
        public String path(UpstreamConfig upstream, String upstreamModel) {
            return "chat/completions";
        }

        @Override
        public Map<String, String> headers(Optional<Secret> key) {
            return key.map(k -> Map.of("Authorization", "Bearer " + k.reveal())).orElse(Map.of());
        }
    }

    /** Anthropic Messages: {@code x-api-key: KEY} and {@code anthropic-version} (docs/wire-format.md section 3). */
    private static final class Anthropic implements UpstreamApi {
        @Override
        public String path(UpstreamConfig upstream, String upstreamModel) {
            return "v1/messages";
        }

        @Override
        public Map<String, String> headers(Optional<Secret> key) {
            return key.map(k -> Map.of("x-api-key", k.reveal(), "anthropic-version", UpstreamClient.ANTHROPIC_VERSION))
                    .orElse(Map.of("anthropic-version", UpstreamClient.ANTHROPIC_VERSION));
        }
    }
}
