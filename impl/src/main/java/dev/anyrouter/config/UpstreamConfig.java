package dev.anyrouter.config;

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
 * @param api        the wire format of its requests and answers
 * @param wireApi    the configured {@code api} ({@code openai}, {@code anthropic}, {@code azure-openai}): beyond the
 *                   format, where a request goes, how it authenticates and how its errors read
 * @param headers    extra headers sent with every request to it
 * @param models     the models {@code /api/v1/models} lists for it (without the {@code provider/} part)
 * @param apiVersion the {@code api-version} query parameter of an Azure OpenAI resource
 */
public record UpstreamConfig(String name, List<Endpoint> endpoints, Api api, String wireApi,
        Map<String, String> headers, List<String> models, Optional<String> apiVersion) {

    /** The wire API names a provider's {@code api} may take, and the format each speaks. */
    public static final Map<String, Api> WIRE_APIS = wireApis();

    public UpstreamConfig {
        Objects.requireNonNull(name, "name");
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("endpoints: none (expected: at least one)");
        }
        Objects.requireNonNull(api, "api");
        Objects.requireNonNull(wireApi, "wireApi");
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        models = List.copyOf(models);
        Objects.requireNonNull(apiVersion, "apiVersion");
    }

    /** A provider of the format's usual wire API ({@code openai} or {@code anthropic}), with no extras. */
    public UpstreamConfig(String name, List<Endpoint> endpoints, Api api) {
        this(name, endpoints, api, api == Api.MESSAGES ? "anthropic" : "openai", Map.of(), List.of(),
                Optional.empty());
    }

    /** A provider with a single endpoint. */
    public UpstreamConfig(String name, URI baseUri, Optional<Secret> apiKey, Api api) {
        this(name, List.of(new Endpoint(baseUri, apiKey)), api);
    }

    private static Map<String, Api> wireApis() {
        Map<String, Api> apis = new LinkedHashMap<>();
        apis.put("openai", Api.CHAT_COMPLETIONS);
        apis.put("anthropic", Api.MESSAGES);
        apis.put("azure-openai", Api.CHAT_COMPLETIONS);
        return Collections.unmodifiableMap(apis);
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
