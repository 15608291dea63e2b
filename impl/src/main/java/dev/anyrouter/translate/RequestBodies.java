package dev.anyrouter.translate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.json.Json;

/** What translators do alike to a request body: name the upstream's model, read its usage option, write it out. */
public final class RequestBodies {

    private RequestBodies() {
    }

    /** A copy of a client's body for an upstream of the same API: only the model changes. */
    public static ObjectNode withModel(ObjectNode body, Destination destination) {
        ObjectNode copy = body.deepCopy();
        copy.put("model", destination.upstreamModel());
        return copy;
    }

    /** Whether a Chat Completions client asked for the usage chunk ({@code stream_options.include_usage}). */
    public static boolean includeUsage(ObjectNode body) {
        return body.path("stream_options").path("include_usage").asBoolean(false);
    }

    /** Copies each of {@code fields} that {@code from} holds (and is not null) into {@code to}, as it is. */
    public static void copy(JsonNode from, ObjectNode to, String... fields) {
        for (String field : fields) {
            if (from.hasNonNull(field)) {
                to.set(field, from.get(field));
            }
        }
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
