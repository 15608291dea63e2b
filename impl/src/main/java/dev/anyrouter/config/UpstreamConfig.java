package dev.anyrouter.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;
import java.util.Optional;

/**
 * One upstream provider as its SDK is configured: the API it speaks, a base URL and an optional key.
 *
 * @param name    the provider part of {@code provider/model}
 * @param baseUri requests go to {@code {baseUri}/{api path}}; a relative URI is resolved against the gateway
 *                itself (the built-in simulated upstream)
 * @param apiKey  sent as {@code Authorization: Bearer …} (OpenAI) or {@code x-api-key} (Anthropic); never logged
 * @param api     the wire API the upstream speaks
 */
public record UpstreamConfig(String name, URI baseUri, Optional<Secret> apiKey, Api api) {

    public UpstreamConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(baseUri, "baseUri");
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(api, "api");
    }

    static URI baseUri(String setting, String value) {
        try {
            URI uri = new URI(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new ConfigException(setting + ": '" + value + "' (expected: an http or https URL)");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new ConfigException(setting + ": '" + value + "' (expected: an http or https URL)");
        }
    }
}
