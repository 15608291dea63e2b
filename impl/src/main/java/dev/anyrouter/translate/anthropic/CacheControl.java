package dev.anyrouter.translate.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.errors.GatewayException;

/**
 * A prompt-caching breakpoint ({@code cache_control}) on a chat content part or tool, as OpenRouter takes it, copied
 * onto the Messages block made of it, where Anthropic reads the same object (docs/wire-format.md section 4). Its
 * values ({@code type}, {@code ttl}) are Anthropic's to check: only its shape is checked here.
 */
final class CacheControl {

    private CacheControl() {
    }

    /** Copies {@code from}'s {@code cache_control} onto {@code to}, if it has one; returns {@code to}. */
    static ObjectNode copy(String where, JsonNode from, ObjectNode to) {
        JsonNode cache = from.get("cache_control");
        if (cache == null || cache.isNull()) {
            return to;
        }
        if (!cache.isObject() || !cache.path("type").isTextual()) {
            String given = cache.toString();
            throw GatewayException.badRequest(where + ".cache_control: "
                    + (given.length() > 60 ? given.substring(0, 60) + "…" : given)
                    + " (expected: an object with a string type, e.g. {\"type\": \"ephemeral\"})");
        }
        to.set("cache_control", cache);
        return to;
    }
}
