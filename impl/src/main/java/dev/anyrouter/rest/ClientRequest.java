package dev.anyrouter.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.config.Api;

/**
 * A validated request body of either API. The JSON tree is kept whole, so fields the gateway does not know pass
 * through to an upstream of the same API untouched (only {@code model} is rewritten).
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
}
