package dev.anyrouter.rest;

import dev.anyrouter.engine.AnyRouter;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code GET /metrics}: every meter in the Prometheus text format ({@link dev.anyrouter.ops.Metrics}). Public,
 * like {@code /health}; it shows counts, never keys or key ids. Writing it only reads memory.
 */
@Singleton
@Path("metrics")
public final class MetricsResource {

    /** The Prometheus text format, version 0.0.4. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final AnyRouter engine;

    @Inject
    public MetricsResource(AnyRouter engine) {
        this.engine = engine;
    }

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    public Response metrics() {
        return Response.ok(engine.metrics().scrape()).type(CONTENT_TYPE).build();
    }
}
