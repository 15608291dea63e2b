package dev.anyrouter.rest;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.MediaType;

/**
 * Adds the generation id to completion responses and, on event streams, the headers that keep proxies from
 * buffering or caching them (docs/wire-format.md section 1).
 */
final class StreamHeadersFilter implements ContainerResponseFilter {

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        String id = RequestState.of(request).generationId();
        if (id != null) {
            response.getHeaders().putSingle("X-Generation-Id", id);
        }
        if (MediaType.SERVER_SENT_EVENTS_TYPE.isCompatible(response.getMediaType())) {
            response.getHeaders().putSingle("Cache-Control", "no-cache");
            response.getHeaders().putSingle("X-Accel-Buffering", "no");
        }
    }
}
