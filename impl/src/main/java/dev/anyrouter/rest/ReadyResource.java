package dev.anyrouter.rest;

import dev.anyrouter.api.ErrorBody;
import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.json.Json;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import org.glassfish.jersey.server.ManagedAsync;

/**
 * {@code GET /ready}: 200 while the engine runs, its database answers within {@link #TIMEOUT} and its usage ledger
 * writes (see {@code store/Ledger.java}), else 503. It
 * waits on the database, so it runs on a relay thread. {@code /health} says only that the application serves.
 */
@Singleton
@Path("ready")
public final class ReadyResource {

    static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final AnyRouter engine;

    @Inject
    public ReadyResource(AnyRouter engine) {
        this.engine = engine;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @ManagedAsync
    @Bounded
    public Response ready() {
        // An answer about the gateway, not a refused request: no error is raised.
        if (!engine.readiness().ready(TIMEOUT)) {
            return Response.status(503).type(MediaType.APPLICATION_JSON_TYPE).entity(Json.write(ErrorBody.of(503,
                    ErrorTypes.SERVER, "not ready: the gateway is stopping, its database does not answer, or its "
                            + "usage ledger cannot write"))).build();
        }
        return Response.ok("{\"status\":\"ready\"}", MediaType.APPLICATION_JSON_TYPE).build();
    }
}
