package dev.anyrouter.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anyrouter.config.Secret;
import dev.anyrouter.config.UpstreamConfig;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * Azure OpenAI: the Chat Completions format at {@code openai/deployments/{deployment}/chat/completions?api-version=…},
 * where the model part of {@code provider/model} names the deployment, and the key goes in {@code api-key}, with no
 * {@code Authorization} header. Its error bodies are OpenAI's, plus an {@code innererror} (a content filter's
 * {@code ResponsibleAIPolicyViolation}, code {@code content_filter}); docs/providers.md has an example.
 */
final class AzureOpenAi implements UpstreamApi {

    @Override
    public String path(UpstreamConfig upstream, String deployment) {
        return "openai/deployments/" + segment(deployment) + "/chat/completions?api-version="
                + segment(upstream.apiVersion().orElseThrow());
    }

    @Override
    public boolean pathNamesModel() {
        return true;
    }

    @Override
    public Map<String, String> headers(Optional<Secret> key) {
        return key.map(k -> Map.of("api-key", k.reveal())).orElse(Map.of());
    }

    /** The message, followed by the {@code innererror}'s code when there is one (a content filter's). */
    @Override
    public Optional<String> message(JsonNode body) {
        String inner = body.path("error").path("innererror").path("code").asText("");
        String code = body.path("error").path("code").asText("");
        return UpstreamApi.super.message(body).map(message -> (code.isEmpty() ? "" : code + ": ") + message
                + (inner.isEmpty() ? "" : " (" + inner + ")"));
    }

    @Override
    public boolean requestsFault(JsonNode body) {
        return UpstreamApi.super.requestsFault(body)
                || "ResponsibleAIPolicyViolation".equals(body.path("error").path("innererror").path("code").asText());
    }

    /**
     * Percent-encodes everything but RFC 3986's unreserved characters, so a deployment or version is one path
     * segment or query value whatever it holds (and never a URI template of the client).
     */
    static String segment(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~".indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
