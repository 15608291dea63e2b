package dev.anyrouter.rest;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import java.net.URI;

/**
 * Serves the API under {@code /v1/…} as well as {@code /api/v1/…} (docs/api.md): many tools take a base URL ending
 * in {@code /v1}. A request below {@code v1/} is handled as the same request below {@code api/v1/}, before anything
 * else looks at its path; the access log keeps the path the client asked for.
 */
@PreMatching
@Priority(Priorities.AUTHENTICATION - 100)
final class V1PathFilter implements ContainerRequestFilter {

    @Override
    public void filter(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath(false);
        if (path.startsWith("v1/")) {
            URI base = request.getUriInfo().getBaseUri();
            String query = request.getUriInfo().getRequestUri().getRawQuery();
            request.setRequestUri(base, URI.create(base + "api/" + path + (query == null ? "" : "?" + query)));
        }
    }

    /** The servlet path of a request as the API sees it: {@code /v1/…} as {@code /api/v1/…}. */
    static String apiPath(String servletPath) {
        return servletPath.startsWith("/v1/") ? "/api" + servletPath : servletPath;
    }
}
