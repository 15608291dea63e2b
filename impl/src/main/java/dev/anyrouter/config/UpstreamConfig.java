package dev.anyrouter.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One upstream provider as its SDK is configured: the API it speaks, and one or more endpoints (a base URL with
 * an optional key each) that serve it alike.
 *
 * @param name      the provider part of {@code provider/model}
 * @param endpoints where its requests may go, in the configured order; at least one
 * @param api       the wire API the upstream speaks
 */
public record UpstreamConfig(String name, List<Endpoint> endpoints, Api api) {

    public UpstreamConfig {
        Objects.requireNonNull(name, "name");
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("endpoints: none (expected: at least one)");
        }
        Objects.requireNonNull(api, "api");
    }

    /** A provider with a single endpoint. */
    public UpstreamConfig(String name, URI baseUri, Optional<Secret> apiKey, Api api) {
        this(name, List.of(new Endpoint(baseUri, apiKey)), api);
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
