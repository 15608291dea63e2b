package dev.anyrouter.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anyrouter.config.Secret;
import dev.anyrouter.config.UpstreamConfig;
import java.net.URLEncoder;
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
     * A deployment or version as one path segment or query value, whatever it holds: form encoding with a space as
     * {@code %20}, so a client's model never adds a path segment, a query parameter or a URI template.
     */
    static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
