package dev.anyrouter.translate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.json.Json;

/** What every translator does to a request body: name the upstream's model, and write the body out. */
public final class RequestBodies {

    private RequestBodies() {
    }

    /** A copy of a client's body for an upstream of the same API: only the model changes. */
    public static ObjectNode withModel(ObjectNode body, Destination destination) {
        ObjectNode copy = body.deepCopy();
        copy.put("model", destination.upstreamModel());
        return copy;
    }

    /** The body's bytes. */
    public static byte[] bytes(ObjectNode body) {
        try {
            return Json.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }
}
