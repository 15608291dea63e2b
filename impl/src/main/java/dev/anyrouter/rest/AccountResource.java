package dev.anyrouter.rest;

import dev.anyrouter.api.DataBody;
import dev.anyrouter.api.GenerationInfo;
import dev.anyrouter.api.KeyInfo;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.config.Price;
import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.json.Json;
import dev.anyrouter.store.ClientKey;
import dev.anyrouter.store.LedgerRow;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import java.math.BigDecimal;
import org.glassfish.jersey.server.ManagedAsync;

/**
 * What a client key may read about itself, OpenRouter-shaped: {@code GET /api/v1/key} (its spend and limit) and
 * {@code GET /api/v1/generation?id=} (the ledger row of one of its generations). Both read the database, so they
 * run on a relay thread, not a container thread.
 */
@Singleton
@Path("api/v1")
public final class AccountResource {

    private final AnyRouter engine;

    @Inject
    public AccountResource(AnyRouter engine) {
        this.engine = engine;
    }

    @GET
    @Path("key")
    @Produces(MediaType.APPLICATION_JSON)
    @ManagedAsync
    @Bounded
    public String key(@Context ContainerRequestContext request) {
        ClientKey key = AuthFilter.key(request);
        BigDecimal spent = engine.credit().spent(key);
        return Json.write(new DataBody<>(new KeyInfo(key.label(), Price.normal(spent), key.limit().map(Price::normal)
                .orElse(null), key.remaining(spent).map(Price::normal).orElse(null), false)));
    }

    @GET
    @Path("generation")
    @Produces(MediaType.APPLICATION_JSON)
    @ManagedAsync
    @Bounded
    public String generation(@Context ContainerRequestContext request, @QueryParam("id") String id) {
        if (id == null || id.isBlank()) {
            throw GatewayException.badRequest("id: missing (expected: /api/v1/generation?id=gen-…)");
        }
        ClientKey key = AuthFilter.key(request);
        LedgerRow row = engine.ledger().find(id.trim()).filter(e -> e.keyId().equals(key.id()))
                .orElseThrow(() -> GatewayException.invalid(404, dev.anyrouter.api.ErrorTypes.NOT_FOUND,
                        "no generation '" + id.trim() + "' for this key"));
        return Json.write(new DataBody<>(new GenerationInfo(row.id(), row.model(), row.servedModel(), row.provider(),
                row.streamed(), row.cancelled(), row.outcome(), row.finishReason(), row.promptTokens(),
                row.completionTokens(), row.tokensCounted(), row.cost(), row.firstChunkMillis(), row.totalMillis(),
                row.createdAt().toString(), row.error())));
    }
}
