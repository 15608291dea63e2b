package dev.anyrouter.translate.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.json.Json;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The messages of a chat-completions request as Messages turns (docs/wire-format.md section 4): {@code system}
 * and {@code developer} messages go to the top-level {@code system}; tool calls become {@code tool_use} blocks and
 * {@code tool} messages {@code tool_result} blocks; image parts become {@code image} blocks; consecutive turns of
 * one role merge, as the Messages API wants them alternating. A part's {@code cache_control} stays on its block
 * ({@link CacheControl}), in every role, inside a {@code tool_result} too.
 */
final class ChatToAnthropicMessages {

    private static final Pattern DATA_URL = Pattern.compile("data:([\\w.+-]+/[\\w.+-]+);base64,(.*)", Pattern.DOTALL);

    private ChatToAnthropicMessages() {
    }

    static void message(String where, JsonNode message, ArrayNode system, ArrayNode messages) {
        String role = message.path("role").asText();
        JsonNode content = message.path("content");
        switch (role) {
            case "system", "developer" -> {
                for (JsonNode block : blocks(where, content, false)) {
                    system.add(block);
                }
            }
            case "user" -> append(messages, "user", blocks(where, content, true));
            case "assistant" -> {
                ArrayNode blocks = content.isMissingNode() || content.isNull() ? Json.MAPPER.createArrayNode()
                        : blocks(where, content, false);
                JsonNode calls = message.path("tool_calls");
                for (int i = 0; i < calls.size(); i++) {
                    blocks.add(toolUse(where + ".tool_calls[" + i + "]", calls.get(i)));
                }
                if (blocks.isEmpty()) {
                    return; // an empty assistant turn says nothing; Anthropic rejects empty content
                }
                append(messages, "assistant", blocks);
            }
            case "tool" -> {
                ObjectNode result = Json.MAPPER.createObjectNode().put("type", "tool_result")
                        .put("tool_use_id", message.path("tool_call_id").asText());
                result.set("content", blocks(where, content, false));
                append(messages, "user", Json.MAPPER.createArrayNode().add(result));
            }
            default -> throw ChatToAnthropicRequest.unsupported(where + ".role: '" + role + "' (use tool messages for tool results)");
        }
    }

    /** Adds blocks as a turn, merged into the previous turn when it has the same role. */
    private static void append(ArrayNode messages, String role, ArrayNode blocks) {
        JsonNode last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
        if (last != null && role.equals(last.path("role").asText())) {
            ((ArrayNode) last.path("content")).addAll(blocks);
        } else {
            messages.addObject().put("role", role).set("content", blocks);
        }
    }

    private static ArrayNode blocks(String where, JsonNode content, boolean images) {
        ArrayNode blocks = Json.MAPPER.createArrayNode();
        if (content.isTextual()) {
            if (!content.asText().isEmpty()) {
                blocks.addObject().put("type", "text").put("text", content.asText());
            }
            return blocks;
        }
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            String type = part.path("type").asText();
            switch (type) {
                case "text" -> blocks.add(CacheControl.copy(where + ".content[" + i + "]", part,
                        Json.MAPPER.createObjectNode().put("type", "text").put("text", part.path("text").asText())));
                case "image_url" -> {
                    if (!images) {
                        throw ChatToAnthropicRequest.unsupported(where + ".content[" + i + "]: an image here (Anthropic takes images in "
                                + "user messages only)");
                    }
                    String at = where + ".content[" + i + "]";
                    blocks.add(CacheControl.copy(at, part, image(at, part.path("image_url").path("url").asText())));
                }
                default -> throw ChatToAnthropicRequest.unsupported(where + ".content[" + i + "]: a '" + type + "' part (Anthropic models "
                        + "take text and images)");
            }
        }
        return blocks;
    }

    private static ObjectNode image(String where, String url) {
        ObjectNode image = Json.MAPPER.createObjectNode().put("type", "image");
        Matcher data = DATA_URL.matcher(url);
        if (data.matches()) {
            image.putObject("source").put("type", "base64").put("media_type", data.group(1))
                    .put("data", data.group(2));
        } else if (url.startsWith("https://") || url.startsWith("http://")) {
            image.putObject("source").put("type", "url").put("url", url);
        } else {
            throw GatewayException.badRequest(where + ".image_url.url: expected a base64 data URL or an http(s) URL");
        }
        return image;
    }

    private static ObjectNode toolUse(String where, JsonNode call) {
        JsonNode function = call.path("function");
        ObjectNode block = Json.MAPPER.createObjectNode().put("type", "tool_use").put("id", call.path("id").asText())
                .put("name", function.path("name").asText());
        JsonNode given = function.path("arguments");
        String arguments = given.asText("");
        JsonNode input;
        try {
            input = given.isObject() ? given
                    : arguments.isBlank() ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(arguments);
        } catch (java.io.IOException e) {
            input = null;
        }
        if (input == null || !input.isObject()) {
            throw GatewayException.badRequest(where + ".function.arguments: expected a JSON object as a string "
                    + "(Anthropic tool inputs are objects)");
        }
        block.set("input", input);
        return block;
    }
}
