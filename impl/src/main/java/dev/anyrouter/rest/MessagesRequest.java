package dev.anyrouter.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.ClientApi;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * A validated Anthropic Messages request (docs/wire-format.md section 3). Besides the field types it checks what
 * Anthropic rejects: {@code max_tokens} is required; the conversation starts with a user turn and alternates
 * user and assistant; every content block is an object with a type, and the common kinds (text, image, document,
 * tool use and result, thinking) are well formed and in the right role; a {@code tool_result} answers a {@code tool_use} of an
 * earlier assistant turn; a forced {@code tool_choice} names a declared tool.
 *
 * @param body   the request as the client sent it
 * @param model  {@code provider/model}, or a model id alone (a route alias or a model of the default provider)
 * @param stream whether the client asked for server-sent events
 */
public record MessagesRequest(ObjectNode body, String model, boolean stream) implements ClientRequest {

    private static final Set<String> NUMBERS = Set.of("temperature", "top_p");
    /** The block types checked here, and the roles that may hold them; other types pass on to the upstream. */
    private static final Map<String, Set<String>> CHECKED_BLOCKS = new TreeMap<>(Map.of(
            "text", Set.of("user", "assistant"), "image", Set.of("user"), "document", Set.of("user"),
            "tool_result", Set.of("user"), "tool_use", Set.of("assistant"), "thinking", Set.of("assistant"),
            "redacted_thinking", Set.of("assistant")));

    public MessagesRequest {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(model, "model");
    }

    @Override
    public ClientApi api() {
        return ClientApi.MESSAGES;
    }

    /** The field of fallback models. */
    static final String FALLBACKS = "fallbacks";

    @Override
    public String fallbackField() {
        return FALLBACKS;
    }

    /** Parses and checks a request body within the default {@link BodyLimits}. */
    public static MessagesRequest parse(byte[] bytes) {
        return parse(bytes, BodyLimits.DEFAULTS);
    }

    /**
     * Parses and checks a request body; every problem is a 400 naming the field and what was expected, a body
     * over {@code limits} a 413.
     */
    static MessagesRequest parse(byte[] bytes, BodyLimits limits) {
        ObjectNode body = Fields.object(bytes, limits);
        String model = Fields.model(body.get("model"));
        JsonNode maxTokens = body.get("max_tokens");
        if (maxTokens == null || maxTokens.isNull()) {
            throw GatewayException.badRequest("max_tokens: missing (expected: a whole number of at least 1; the "
                    + "Messages API requires it)");
        }
        if (!Fields.count(maxTokens)) {
            throw Fields.invalid("max_tokens", maxTokens, "a whole number of at least 1");
        }
        boolean stream = Fields.optionalBoolean(body, "stream");
        system(body.get("system"));
        Set<String> tools = tools(body.get("tools"));
        toolChoice(body.get("tool_choice"), tools);
        messages(Fields.array(body.get("messages"), "messages"));
        for (String field : NUMBERS) {
            JsonNode value = body.get(field);
            if (value != null && !value.isNull() && !value.isNumber()) {
                throw Fields.invalid(field, value, "a number");
            }
        }
        JsonNode stops = body.get("stop_sequences");
        if (stops != null && !stops.isNull() && (!stops.isArray() || !allText(stops))) {
            throw Fields.invalid("stop_sequences", stops, "an array of strings");
        }
        thinking(body.get("thinking"));
        Fields.fallbacks(body, FALLBACKS);
        return new MessagesRequest(body, model, stream);
    }

    /** {@code thinking}: an object; its {@code budget_tokens}, when present, a budget in range. */
    private static void thinking(JsonNode thinking) {
        if (thinking == null || thinking.isNull()) {
            return;
        }
        if (!thinking.isObject()) {
            throw Fields.invalid("thinking", thinking, "an object");
        }
        Fields.budget(thinking, "budget_tokens", "thinking");
    }

    private static void system(JsonNode system) {
        if (system == null || system.isNull() || system.isTextual()) {
            return;
        }
        if (!system.isArray()) {
            throw Fields.invalid("system", system, "a string or an array of text blocks");
        }
        for (int i = 0; i < system.size(); i++) {
            JsonNode block = system.get(i);
            if (!block.isObject() || !"text".equals(block.path("type").asText())) {
                throw Fields.invalid("system[" + i + "]", block, "a text block");
            }
            Fields.text(block, "text", "system[" + i + "]");
        }
    }

    private static Set<String> tools(JsonNode tools) {
        Set<String> names = new HashSet<>();
        if (tools == null || tools.isNull()) {
            return names;
        }
        if (!tools.isArray()) {
            throw Fields.invalid("tools", tools, "an array");
        }
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            String where = "tools[" + i + "]";
            if (!tool.isObject()) {
                throw Fields.invalid(where, tool, "an object with name and input_schema");
            }
            names.add(Fields.text(tool, "name", where));
            boolean serverTool = tool.hasNonNull("type") && !"custom".equals(tool.path("type").asText());
            if (!serverTool && !tool.path("input_schema").isObject()) {
                throw Fields.invalid(where + ".input_schema", tool.get("input_schema"), "a JSON schema object");
            }
        }
        return names;
    }

    private static void toolChoice(JsonNode choice, Set<String> tools) {
        if (choice == null || choice.isNull()) {
            return;
        }
        String type = choice.path("type").asText("");
        switch (type) {
            case "auto", "any", "none" -> {
                // nothing more to check
            }
            case "tool" -> {
                String name = Fields.text(choice, "name", "tool_choice");
                if (!tools.contains(name)) {
                    throw GatewayException.badRequest("tool_choice.name: '" + name + "' is not one of the tools "
                            + "(declared: " + tools + ")");
                }
            }
            default -> throw Fields.invalid("tool_choice", choice,
                    "{\"type\": \"auto\" | \"any\" | \"none\"} or {\"type\": \"tool\", \"name\": …}");
        }
    }

    private static void messages(JsonNode messages) {
        Set<String> toolUses = new HashSet<>();
        String previous = null;
        for (int i = 0; i < messages.size(); i++) {
            String where = "messages[" + i + "]";
            JsonNode message = messages.get(i);
            if (!message.isObject()) {
                throw Fields.invalid(where, message, "an object with role and content");
            }
            String role = message.path("role").asText("");
            if (!role.equals("user") && !role.equals("assistant")) {
                throw Fields.invalid(where + ".role", message.get("role"), "\"user\" or \"assistant\"");
            }
            if (previous == null && !role.equals("user")) {
                throw GatewayException.badRequest(where + ".role: the first message must be from the user");
            }
            if (role.equals(previous)) {
                throw GatewayException.badRequest(where + ".role: two '" + role + "' messages in a row "
                        + "(expected: user and assistant turns alternate)");
            }
            previous = role;
            content(where, role, message.get("content"), toolUses);
        }
    }

    private static void content(String where, String role, JsonNode content, Set<String> toolUses) {
        if (content != null && content.isTextual()) {
            return;
        }
        if (content == null || !content.isArray() || content.isEmpty()) {
            throw Fields.invalid(where + ".content", content, "a string or a non-empty array of content blocks");
        }
        for (int i = 0; i < content.size(); i++) {
            block(where + ".content[" + i + "]", role, content.get(i), toolUses);
        }
    }

    private static void block(String where, String role, JsonNode block, Set<String> toolUses) {
        if (!block.isObject() || !block.path("type").isTextual()) {
            throw Fields.invalid(where, block, "a content block: an object with a string type");
        }
        String type = block.path("type").asText();
        if (!CHECKED_BLOCKS.containsKey(type)) {
            return; // server-tool blocks (server_tool_use, web_search_tool_result, …) and newer kinds
        }
        if (!CHECKED_BLOCKS.get(type).contains(role)) {
            throw GatewayException.badRequest(where + ": a '" + type + "' block cannot be in a " + role
                    + " message");
        }
        switch (type) {
            case "text" -> Fields.text(block, "text", where);
            case "image", "document" -> source(where, block.get("source"));
            case "tool_use" -> {
                toolUses.add(Fields.text(block, "id", where));
                Fields.text(block, "name", where);
                if (!block.path("input").isObject()) {
                    throw Fields.invalid(where + ".input", block.get("input"), "an object");
                }
            }
            case "tool_result" -> {
                String id = Fields.text(block, "tool_use_id", where);
                if (!toolUses.contains(id)) {
                    throw GatewayException.badRequest(where + ".tool_use_id: '" + id + "' answers no tool_use "
                            + "of an earlier assistant message");
                }
                JsonNode result = block.get("content");
                if (result != null && !result.isNull() && !result.isTextual() && !result.isArray()) {
                    throw Fields.invalid(where + ".content", result, "a string or an array of content blocks");
                }
            }
            case "thinking" -> Fields.text(block, "thinking", where);
            default -> Fields.text(block, "data", where); // redacted_thinking
        }
    }

    private static void source(String where, JsonNode source) {
        String type = source == null ? "" : source.path("type").asText("");
        switch (type) {
            case "base64" -> {
                Fields.text(source, "media_type", where + ".source");
                Fields.text(source, "data", where + ".source");
            }
            case "url" -> Fields.text(source, "url", where + ".source");
            case "text", "file", "content" -> {
                // documents: plain text, an uploaded file or content blocks, passed on as they are
            }
            default -> throw Fields.invalid(where + ".source", source,
                    "{\"type\": \"base64\", \"media_type\", \"data\"} or {\"type\": \"url\", \"url\"}");
        }
    }

    private static boolean allText(JsonNode array) {
        for (JsonNode item : array) {
            if (!item.isTextual()) {
                return false;
            }
        }
        return true;
    }
}
