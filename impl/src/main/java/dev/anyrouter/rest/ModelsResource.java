package dev.anyrouter.rest;

import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.json.Json;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /api/v1/models}: the models AnyRouter can route, with prices, OpenRouter-shaped. */
@Singleton
@Path("api/v1/models")
public final class ModelsResource {

    private final String body;

    @Inject
    public ModelsResource(AnyRouter engine) {
        this.body = Json.write(engine.catalog().routable(engine.router(), engine.prices()));
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public String models() {
        return body;
    }
}
