package dev.anyrouter.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;

/**
 * OpenRouter's request fields that speak to the gateway, not the model: {@code provider} (provider preferences),
 * {@code transforms}, {@code route} and {@code usage} (usage accounting). Clients written for OpenRouter send
 * them; no upstream takes them, so they are checked here and left out of every upstream body
 * ({@link ClientRequest#upstreamBody}). {@code models}, the fallback list, is read by the router (docs/api.md).
 */
final class OpenRouterFields {

    /** The fields the gateway consumes. */
    static final Set<String> NAMES = Set.of("provider", "transforms", "route", "usage");

    private OpenRouterFields() {
    }

    /** Checks their shapes; every problem is a 400 naming the field and what was expected. */
    static void check(ObjectNode body) {
        JsonNode provider = body.get("provider");
        if (present(provider) && !provider.isObject()) {
            throw Fields.invalid("provider", provider, "an object of provider preferences");
        }
        JsonNode transforms = body.get("transforms");
        if (present(transforms) && (!transforms.isArray() || !Fields.allText(transforms))) {
            throw Fields.invalid("transforms", transforms, "an array of strings");
        }
        JsonNode route = body.get("route");
        if (present(route) && !route.isTextual()) {
            throw Fields.invalid("route", route, "a string");
        }
        JsonNode usage = body.get("usage");
        if (present(usage)) {
            if (!usage.isObject()) {
                throw Fields.invalid("usage", usage, "an object such as {\"include\": true}");
            }
            JsonNode include = usage.get("include");
            if (present(include) && !include.isBoolean()) {
                throw Fields.invalid("usage.include", include, "true or false");
            }
        }
    }

    /** Whether the client asked for usage in the answer, as OpenRouter's {@code usage: {"include": true}}. */
    static boolean usageIncluded(ObjectNode body) {
        return body.path("usage").path("include").asBoolean(false);
    }

    private static boolean present(JsonNode value) {
        return value != null && !value.isNull();
    }
}
