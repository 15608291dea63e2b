package dev.anyrouter.config;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * One place a provider's requests can go: a base URL and the key sent there. A provider has one or more; the
 * gateway spreads requests over them and skips one that keeps failing.
 *
 * @param baseUri requests go to {@code {baseUri}/{api path}}; a relative URI is resolved against the gateway
 *                itself (the built-in simulated upstream)
 * @param apiKey  sent as {@code Authorization: Bearer …} (OpenAI), {@code x-api-key} (Anthropic) or {@code api-key}
 *                (Azure OpenAI); never logged
 */
public record Endpoint(URI baseUri, Optional<Secret> apiKey) {

    public Endpoint {
        Objects.requireNonNull(baseUri, "baseUri");
        Objects.requireNonNull(apiKey, "apiKey");
    }

    /** How logs and metrics name it: the host only, never the key. */
    public String host() {
        return baseUri.getHost() == null ? baseUri.toString() : baseUri.getHost();
    }
}
