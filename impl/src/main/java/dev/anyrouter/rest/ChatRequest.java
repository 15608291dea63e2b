package dev.anyrouter.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.engine.Json;
import dev.anyrouter.errors.GatewayException;
import dev.anyrouter.routing.Route;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A validated chat-completions request. The JSON tree is kept whole, so fields the gateway does not know pass
 * through to the upstream untouched; only {@code model} is rewritten.
 *
 * @param body   the request as the client sent it
 * @param model  {@code provider/model}
 * @param stream whether the client asked for server-sent events
 */
public record ChatRequest(ObjectNode body, String model, boolean stream) {

    static final String PROPERTY = "dev.anyrouter.chat-request";

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
    private static final Set<String> NUMBERS = Set.of("temperature", "top_p", "presence_penalty",
            "frequency_penalty");
    private static final Set<String> COUNTS = Set.of("max_tokens", "max_completion_tokens", "n");

    public ChatRequest {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(model, "model");
    }

    /** Parses and checks a request body; every problem is a 400 naming the field and what was expected. */
    public static ChatRequest parse(byte[] bytes) {
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw GatewayException.badRequest("request body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw GatewayException.badRequest("request body cannot be read");
        }
        if (tree == null || !tree.isObject()) {
            throw GatewayException.badRequest("request body: expected a JSON object");
        }
        ObjectNode body = (ObjectNode) tree;
        String model = model(body.get("model"));
        messages(body.get("messages"));
        boolean stream = optionalBoolean(body, "stream");
        JsonNode options = body.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!options.isObject()) {
                throw invalid("stream_options", options, "an object");
            }
            if (!stream) {
                throw GatewayException.badRequest("stream_options: only allowed when stream is true");
            }
            optionalBoolean((ObjectNode) options, "include_usage");
        }
        fieldTypes(body);
        return new ChatRequest(body, model, stream);
    }

    /** The body the upstream receives: the client's, with {@code model} set to the upstream's name for it. */
    public byte[] upstreamBody(Route route) {
        ObjectNode copy = body.deepCopy();
        copy.put("model", route.upstreamModel());
        try {
            return Json.MAPPER.writeValueAsBytes(copy);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed tree always serialises", e);
        }
    }

    private static String model(JsonNode model) {
        if (model == null || model.isNull()) {
            throw GatewayException.badRequest("model: missing (expected: \"provider/model\", e.g. \"openai/gpt-4o\")");
        }
        if (!model.isTextual()) {
            throw invalid("model", model, "a string \"provider/model\"");
        }
        String value = model.asText();
        int slash = value.indexOf('/');
        if (slash <= 0 || slash == value.length() - 1) {
            throw GatewayException.badRequest("model: '" + value + "' (expected: \"provider/model\", e.g. \"openai/gpt-4o\")");
        }
        return value;
    }

    private static void messages(JsonNode messages) {
        if (messages == null || messages.isNull()) {
            throw GatewayException.badRequest("messages: missing (expected: a non-empty array)");
        }
        if (!messages.isArray() || messages.isEmpty()) {
            throw invalid("messages", messages, "a non-empty array");
        }
        for (int i = 0; i < messages.size(); i++) {
            message("messages[" + i + "]", messages.get(i));
        }
    }

    private static void message(String where, JsonNode message) {
        if (!message.isObject()) {
            throw invalid(where, message, "an object with role and content");
        }
        JsonNode role = message.get("role");
        if (role == null || !role.isTextual() || !ROLES.contains(role.asText())) {
            throw GatewayException.badRequest(where + ".role: " + describe(role)
                    + " (expected one of: system, developer, user, assistant, tool)");
        }
        JsonNode content = message.get("content");
        boolean assistant = "assistant".equals(role.asText());
        if (content == null || content.isNull()) {
            if (!assistant) {
                throw GatewayException.badRequest(where + ".content: missing (expected: a string or an array of parts)");
            }
        } else if (content.isArray()) {
            for (int i = 0; i < content.size(); i++) {
                JsonNode part = content.get(i);
                if (!part.isObject() || !part.path("type").isTextual()) {
                    throw invalid(where + ".content[" + i + "]", part, "an object with a string type");
                }
            }
        } else if (!content.isTextual()) {
            throw invalid(where + ".content", content, "a string or an array of parts");
        }
        if ("tool".equals(role.asText()) && !message.path("tool_call_id").isTextual()) {
            throw GatewayException.badRequest(where + ".tool_call_id: missing (expected: the id of the tool call answered)");
        }
    }

    private static void fieldTypes(ObjectNode body) {
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode value = field.getValue();
            if (value.isNull()) {
                continue;
            }
            if (NUMBERS.contains(field.getKey()) && !value.isNumber()) {
                throw invalid(field.getKey(), value, "a number");
            }
            if (COUNTS.contains(field.getKey()) && (!value.canConvertToInt() || !value.isIntegralNumber()
                    || value.asInt() < 1)) {
                throw invalid(field.getKey(), value, "a whole number of at least 1");
            }
            if ("tools".equals(field.getKey()) && !value.isArray()) {
                throw invalid("tools", value, "an array");
            }
        }
    }

    private static boolean optionalBoolean(ObjectNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw invalid(field, value, "true or false");
        }
        return value.asBoolean();
    }

    private static GatewayException invalid(String field, JsonNode value, String expected) {
        return GatewayException.badRequest(field + ": " + describe(value) + " (expected: " + expected + ")");
    }

    private static String describe(JsonNode value) {
        if (value == null) {
            return "missing";
        }
        String text = value.toString();
        return text.length() > 60 ? text.substring(0, 60) + "…" : text;
    }
}
