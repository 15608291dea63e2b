package dev.anyrouter.rest;

import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.errors.Refusal;
import dev.anyrouter.auth.ApiKeys;
import dev.anyrouter.config.Secret;
import dev.anyrouter.store.ClientKey;
import dev.anyrouter.store.KeyHash;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.PathSegment;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Admits a request under {@code /api/v1/} only with a known, enabled {@code Authorization: Bearer} key (or, on the
 * Messages routes, {@code x-api-key}), before its body is read, and puts the {@link ClientKey} in the request's
 * {@link RequestState}. The admin API ({@code /api/v1/keys}) takes only the admin key. The model list is public, as
 * on OpenRouter. The client's key is never passed on.
 */
@PreMatching
@Priority(Priorities.AUTHENTICATION)
final class AuthFilter implements ContainerRequestFilter {

    private static final String BEARER = "Bearer ";
    /** The Messages API's own key header, accepted on that route (the Anthropic SDK sends it). */
    private static final String API_KEY = "x-api-key";

    private final ApiKeys keys;
    private final Optional<byte[]> adminHash;

    AuthFilter(ApiKeys keys, Optional<Secret> adminKey) {
        this.keys = keys;
        this.adminHash = adminKey.map(k -> KeyHash.sha256(k.reveal()));
    }

    static ClientKey key(ContainerRequestContext request) {
        return RequestState.of(request).key();
    }

    @Override
    public void filter(ContainerRequestContext request) {
        // Without matrix parameters ("/api/v1;x/keys"): Jersey ignores them when it picks the resource.
        String path = request.getUriInfo().getPathSegments().stream().map(PathSegment::getPath)
                .collect(Collectors.joining("/"));
        if (!path.startsWith("api/v1/") || path.equals("api/v1/models")) {
            return;
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        boolean messages = path.equals(CompletionsResource.MESSAGES) || path.equals(CountTokensResource.PATH);
        String key;
        if (header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            key = header.substring(BEARER.length()).trim();
        } else if (messages && request.getHeaderString(API_KEY) != null) {
            key = request.getHeaderString(API_KEY).trim();
        } else {
            throw unauthorized(messages
                    ? "missing API key (expected: x-api-key: ar-… or Authorization: Bearer ar-…)"
                    : "missing API key (expected: Authorization: Bearer ar-…)");
        }
        if (path.equals(AdminKeysResource.PATH) || path.startsWith(AdminKeysResource.PATH + "/")) {
            admin(key);
            return;
        }
        ClientKey found = keys.find(key).orElseThrow(() -> unauthorized("invalid API key"));
        if (found.disabled()) {
            throw forbidden("API key '" + found.label() + "' is disabled");
        }
        RequestState.of(request).key(found);
    }

    private void admin(String presented) {
        if (adminHash.isEmpty()) {
            throw forbidden("the admin API is off (expected: ANYROUTER_ADMIN_KEY set on the gateway)");
        }
        if (!MessageDigest.isEqual(adminHash.get(), KeyHash.sha256(presented))) {
            throw unauthorized("invalid admin key");
        }
    }

    private static GatewayException unauthorized(String message) {
        return GatewayException.refused(Refusal.AUTH, 401, ErrorTypes.AUTHENTICATION, message, Optional.empty());
    }

    private static GatewayException forbidden(String message) {
        return GatewayException.refused(Refusal.FORBIDDEN, 403, ErrorTypes.PERMISSION, message, Optional.empty());
    }
}
