package dev.anyrouter.config;

import dev.anyrouter.api.spi.ProviderSettings;
import dev.anyrouter.api.spi.WireApi;
import dev.anyrouter.api.spi.WireApis;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One upstream provider as its SDK is configured: the API it speaks, and one or more endpoints (a base URL with
 * an optional key each) that serve it alike.
 *
 * @param name       the provider part of {@code provider/model}
 * @param endpoints  where its requests may go, in the configured order; at least one
 * @param wireApi    the configured {@code api}, naming a {@code WireApi} ({@code openai}, {@code anthropic},
 *                   {@code azure-openai}, or any other on the class path): the format of its requests and answers,
 *                   where a request goes, how it authenticates and how its errors read
 * @param headers    extra headers sent with every request to it
 * @param models     the models {@code /api/v1/models} lists for it (without the {@code provider/} part)
 * @param apiVersion the {@code api-version} query parameter of an Azure OpenAI resource
 * @param h2c        whether its {@code http://} endpoints speak HTTP/2 over cleartext, sent by prior knowledge (over
 *                   {@code https://}, HTTP/2 is negotiated by ALPN whatever this says)
 */
public record UpstreamConfig(String name, List<Endpoint> endpoints, String wireApi, Map<String, String> headers,
        List<String> models, Optional<String> apiVersion, boolean h2c) implements ProviderSettings {

    public UpstreamConfig {
        Objects.requireNonNull(name, "name");
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("endpoints: none (expected: at least one)");
        }
        if (WireApis.named(wireApi).isEmpty()) {
            throw new IllegalArgumentException("api: '" + wireApi + "' (expected one of: " + WireApis.names() + ")");
        }
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        models = List.copyOf(models);
        Objects.requireNonNull(apiVersion, "apiVersion");
    }

    /** A provider of a wire API with no extras. */
    public UpstreamConfig(String name, List<Endpoint> endpoints, String wireApi) {
        this(name, endpoints, wireApi, Map.of(), List.of(), Optional.empty(), false);
    }

    /** A provider with a single endpoint. */
    public UpstreamConfig(String name, URI baseUri, Optional<Secret> apiKey, String wireApi) {
        this(name, List.of(new Endpoint(baseUri, apiKey)), wireApi);
    }

    @Override
    public boolean onlyAt(String host) {
        return endpoints.stream().allMatch(endpoint -> host.equals(endpoint.host()));
    }

    /** The wire API it speaks. */
    public WireApi wire() {
        return WireApis.named(wireApi).orElseThrow();
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
