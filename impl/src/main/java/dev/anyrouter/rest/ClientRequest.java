package dev.anyrouter.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.config.Api;
import dev.anyrouter.engine.Json;
import dev.anyrouter.routing.Route;

/**
 * A validated request body of either API. The JSON tree is kept whole, so fields the gateway does not know pass
 * through to an upstream of the same API untouched; only {@code model} is rewritten.
 */
public interface ClientRequest {

    /** The request property {@link RequestBodyFilter} stores it under. */
    String PROPERTY = "dev.anyrouter.client-request";

    /** The request as the client sent it. */
    ObjectNode body();

    /** {@code provider/model}. */
    String model();

    /** Whether the client asked for server-sent events. */
    boolean stream();

    /** The API the client speaks. */
    Api api();

    /** The body for an upstream of the client's own API: the client's, with {@code model} the upstream's name. */
    default byte[] upstreamBody(Route route) {
        ObjectNode copy = body().deepCopy();
        copy.put("model", route.upstreamModel());
        try {
            return Json.MAPPER.writeValueAsBytes(copy);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed tree always serialises", e);
        }
    }
}
