package dev.anyrouter.rest;

import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.auth.ApiKeys;
import dev.anyrouter.errors.GatewayException;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;

/**
 * Admits a request under {@code /api/v1/} only with a known {@code Authorization: Bearer} key (or, on the Messages
 * route, {@code x-api-key}), before its body is read. The model list is public, as on OpenRouter. The client's key is never passed on.
 */
@PreMatching
@Priority(Priorities.AUTHENTICATION)
final class AuthFilter implements ContainerRequestFilter {

    private static final String BEARER = "Bearer ";
    /** The Messages API's own key header, accepted on that route (the Anthropic SDK sends it). */
    private static final String API_KEY = "x-api-key";

    private final ApiKeys keys;

    AuthFilter(ApiKeys keys) {
        this.keys = keys;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("api/v1/") || path.equals("api/v1/models")) {
            return;
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        String key;
        if (header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            key = header.substring(BEARER.length()).trim();
        } else if (path.equals(CompletionsResource.MESSAGES) && request.getHeaderString(API_KEY) != null) {
            key = request.getHeaderString(API_KEY).trim();
        } else {
            throw new GatewayException(401, ErrorTypes.AUTHENTICATION, path.equals(CompletionsResource.MESSAGES)
                    ? "missing API key (expected: x-api-key: ar-… or Authorization: Bearer ar-…)"
                    : "missing API key (expected: Authorization: Bearer ar-…)");
        }
        if (!keys.accepts(key)) {
            throw new GatewayException(401, ErrorTypes.AUTHENTICATION, "invalid API key");
        }
    }
}
