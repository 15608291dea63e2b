package dev.anyrouter.rest;

import dev.anyrouter.accounting.Price;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.engine.Json;
import dev.anyrouter.errors.GatewayException;
import dev.anyrouter.store.ClientKey;
import dev.anyrouter.store.Ledger;
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
        BigDecimal spent = engine.spent(key);
        ObjectNode data = Json.MAPPER.createObjectNode();
        data.put("label", key.label());
        data.put("usage", Price.normal(spent));
        putAmount(data, "limit", key.limit().orElse(null));
        putAmount(data, "limit_remaining", key.remaining(spent).orElse(null));
        data.put("is_free_tier", false);
        return wrap(data);
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
        Ledger.Entry row = engine.ledger().find(id.trim()).filter(e -> e.keyId().equals(key.id()))
                .orElseThrow(() -> new GatewayException(404, dev.anyrouter.api.ErrorTypes.NOT_FOUND,
                        "no generation '" + id.trim() + "' for this key"));
        ObjectNode data = Json.MAPPER.createObjectNode();
        data.put("id", row.id());
        data.put("model", row.model());
        data.put("served_model", row.servedModel());
        data.put("provider_name", row.provider());
        data.put("streamed", row.streamed());
        data.put("cancelled", row.cancelled());
        data.put("outcome", row.outcome());
        data.put("finish_reason", row.finishReason());
        data.put("tokens_prompt", row.promptTokens());
        data.put("tokens_completion", row.completionTokens());
        data.put("tokens_counted", row.tokensCounted());
        data.put("total_cost", row.cost());
        if (row.firstChunkMillis() == null) {
            data.putNull("latency");
        } else {
            data.put("latency", row.firstChunkMillis());
        }
        data.put("generation_time", row.totalMillis());
        data.put("created_at", row.createdAt().toString());
        data.put("error", row.error());
        return wrap(data);
    }

    private static void putAmount(ObjectNode node, String name, BigDecimal amount) {
        if (amount == null) {
            node.putNull(name);
        } else {
            node.put(name, Price.normal(amount));
        }
    }

    private static String wrap(ObjectNode data) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.set("data", data);
        return Json.write(body);
    }
}
