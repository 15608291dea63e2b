package dev.anyrouter.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;
import java.util.Optional;

/**
 * One upstream provider as its SDK is configured: a base URL and an optional key.
 *
 * @param name    the provider part of {@code provider/model}
 * @param baseUri requests go to {@code {baseUri}/chat/completions}; a relative URI is resolved against the gateway
 *                itself (the built-in simulated upstream)
 * @param apiKey  sent as {@code Authorization: Bearer …}; never logged
 */
public record UpstreamConfig(String name, URI baseUri, Optional<Secret> apiKey) {

    public UpstreamConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(baseUri, "baseUri");
        Objects.requireNonNull(apiKey, "apiKey");
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
