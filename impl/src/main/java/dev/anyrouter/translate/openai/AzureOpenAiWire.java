package dev.anyrouter.translate.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.api.spi.ProviderSettings;
import dev.anyrouter.api.spi.Translator;
import dev.anyrouter.api.spi.WireApi;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * Azure OpenAI ({@code api: azure-openai}): the Chat Completions format at
 * {@code openai/deployments/{deployment}/chat/completions?api-version=…} (and {@code …/embeddings?…} for embeddings),
 * where the model part of {@code provider/model} names the deployment, and the key goes in {@code api-key}, with no
 * {@code Authorization} header. Its error bodies are OpenAI's, plus an {@code innererror} (a content filter's
 * {@code ResponsibleAIPolicyViolation}, code {@code content_filter}); docs/providers.md has an example.
 */
public final class AzureOpenAiWire implements WireApi {

    @Override
    public String name() {
        return "azure-openai";
    }

    @Override
    public Map<ClientApi, Translator> translators() {
        return OpenAiWire.TRANSLATORS;
    }

    @Override
    public String path(ProviderSettings upstream, String deployment) {
        return path(ClientApi.CHAT_COMPLETIONS, upstream, deployment);
    }

    /** Embeddings go to the deployment's {@code embeddings}, everything else to its {@code chat/completions}. */
    @Override
    public String path(ClientApi client, ProviderSettings upstream, String deployment) {
        return "openai/deployments/" + segment(deployment)
                + (client == ClientApi.EMBEDDINGS ? "/embeddings" : "/chat/completions") + "?api-version="
                + segment(upstream.apiVersion().orElseThrow());
    }

    @Override
    public boolean pathNamesModel() {
        return true;
    }

    @Override
    public Map<String, String> headers(Optional<String> key) {
        return key.map(k -> Map.of("api-key", k)).orElse(Map.of());
    }

    /** The message, followed by the {@code innererror}'s code when there is one (a content filter's). */
    @Override
    public Optional<String> message(JsonNode body) {
        String inner = body.path("error").path("innererror").path("code").asText("");
        String code = body.path("error").path("code").asText("");
        return WireApi.super.message(body).map(message -> (code.isEmpty() ? "" : code + ": ") + message
                + (inner.isEmpty() ? "" : " (" + inner + ")"));
    }

    @Override
    public boolean requestsFault(JsonNode body) {
        return WireApi.super.requestsFault(body)
                || "ResponsibleAIPolicyViolation".equals(body.path("error").path("innererror").path("code").asText());
    }

    /**
     * A deployment or version as one path segment or query value, whatever it holds: form encoding with a space as
     * {@code %20}, so a client's model never adds a path segment, a query parameter or a URI template.
     */
    private static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
