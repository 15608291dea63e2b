package dev.anyrouter.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anyrouter.api.errors.GatewayException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The {@code messages} of an Anthropic Messages request ({@link MessagesRequest}), checked as Anthropic would: the
 * conversation starts with a user turn and alternates user and assistant; every content block is an object with a
 * type, and the common kinds (text, image, document, tool use and result, thinking) are well formed and in the
 * right role; a {@code tool_result} answers a {@code tool_use} of an earlier assistant turn.
 */
final class MessagesConversation {

    /** The block types checked here, and the roles that may hold them; other types pass on to the upstream. */
    private static final Map<String, Set<String>> CHECKED_BLOCKS = new TreeMap<>(Map.of(
            "text", Set.of("user", "assistant"), "image", Set.of("user"), "document", Set.of("user"),
            "tool_result", Set.of("user"), "tool_use", Set.of("assistant"), "thinking", Set.of("assistant"),
            "redacted_thinking", Set.of("assistant")));

    private MessagesConversation() {
    }

    /** Checks the {@code messages} array; every problem is a 400 naming the message or block and what was expected. */
    static void check(JsonNode messages) {
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
}
