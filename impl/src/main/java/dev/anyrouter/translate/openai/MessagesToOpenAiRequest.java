package dev.anyrouter.translate.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.json.Json;
import java.util.Set;

/**
 * A Messages request as a chat-completions request (docs/wire-format.md section 4): the top-level {@code system}
 * becomes the first message; {@code tool_use} blocks become tool calls and {@code tool_result} blocks
 * {@code tool} messages; {@code image} blocks become image parts; a thinking budget becomes a reasoning effort.
 * Thinking blocks of earlier turns are left out (a chat-completions model cannot take them back). Anything else
 * the chat API cannot express is a 400.
 */
final class MessagesToOpenAiRequest {

    /** Fields with no chat-completions counterpart that only tune Anthropic's sampling or service: left out. */
    private static final Set<String> DROPPED = Set.of("model", "messages", "system", "max_tokens", "top_k",
            "thinking", "service_tier", "anthropic_version", "container", "simulation"); // thinking: see translate

    private MessagesToOpenAiRequest() {
    }

    static ObjectNode translate(ObjectNode request, Destination route) {
        ObjectNode out = Json.MAPPER.createObjectNode().put("model", route.upstreamModel());
        ArrayNode messages = out.putArray("messages");
        JsonNode system = request.path("system");
        if (system.isTextual() || system.isArray()) {
            messages.addObject().put("role", "system").put("content", text(system));
        }
        JsonNode list = request.path("messages");
        for (int i = 0; i < list.size(); i++) {
            message("messages[" + i + "]", list.get(i), messages);
        }
        // OpenAI's own API wants max_completion_tokens (its reasoning models refuse max_tokens); other
        // OpenAI-compatible servers know max_tokens best (so a provider mixing both gets max_tokens).
        boolean openAi = route.onlyAt("api.openai.com");
        out.put(openAi ? "max_completion_tokens" : "max_tokens", request.path("max_tokens").asInt());
        JsonNode thinking = request.path("thinking");
        if ("enabled".equals(thinking.path("type").asText())) {
            int budget = thinking.path("budget_tokens").asInt();
            out.put("reasoning_effort", budget < 4096 ? "low" : budget < 16_384 ? "medium" : "high");
        }
        request.fields().forEachRemaining(field -> option(field.getKey(), field.getValue(), out));
        if (request.path("stream").asBoolean(false)) {
            out.putObject("stream_options").put("include_usage", true); // usage for message_delta
        }
        if (request.has("simulation")) {
            out.set("simulation", request.get("simulation")); // the built-in simulated upstream's knobs
        }
        return out;
    }

    private static void option(String name, JsonNode value, ObjectNode out) {
        if (DROPPED.contains(name) || value.isNull()) {
            return;
        }
        switch (name) {
            case "stream", "temperature", "top_p" -> out.set(name, value);
            case "stop_sequences" -> out.set("stop", value);
            case "metadata" -> {
                if (value.path("user_id").isTextual()) {
                    out.put("user", value.path("user_id").asText());
                }
            }
            case "tools" -> out.set("tools", tools(value));
            case "tool_choice" -> toolChoice(value, out);
            default -> throw unsupported(name + " (no chat-completions counterpart)");
        }
    }

    private static void message(String where, JsonNode message, ArrayNode messages) {
        String role = message.path("role").asText();
        JsonNode content = message.path("content");
        if (content.isTextual()) {
            messages.addObject().put("role", role).put("content", content.asText());
            return;
        }
        ArrayNode parts = Json.MAPPER.createArrayNode();
        ArrayNode calls = Json.MAPPER.createArrayNode();
        for (int i = 0; i < content.size(); i++) {
            JsonNode block = content.get(i);
            String at = where + ".content[" + i + "]";
            switch (block.path("type").asText()) {
                case "text" -> parts.addObject().put("type", "text").put("text", block.path("text").asText());
                case "image" -> parts.addObject().put("type", "image_url").putObject("image_url")
                        .put("url", imageUrl(at, block.path("source")));
                case "tool_use" -> {
                    ObjectNode call = calls.addObject().put("id", block.path("id").asText()).put("type", "function");
                    call.putObject("function").put("name", block.path("name").asText())
                            .put("arguments", block.path("input").toString());
                }
                case "tool_result" -> messages.addObject().put("role", "tool")
                        .put("tool_call_id", block.path("tool_use_id").asText())
                        .put("content", toolResult(at, block));
                case "thinking", "redacted_thinking" -> {
                    // the model's own earlier reasoning: a chat-completions model cannot take it back
                }
                default -> throw unsupported(at + ": a '" + block.path("type").asText() + "' block");
            }
        }
        if (parts.isEmpty() && calls.isEmpty()) {
            return;
        }
        ObjectNode translated = messages.addObject().put("role", role);
        if ("assistant".equals(role)) {
            if (parts.isEmpty()) {
                translated.putNull("content");
            } else {
                translated.put("content", text(parts));
            }
            if (!calls.isEmpty()) {
                translated.set("tool_calls", calls);
            }
        } else {
            translated.set("content", parts);
        }
    }

    private static String imageUrl(String where, JsonNode source) {
        return switch (source.path("type").asText()) {
            case "base64" -> "data:" + source.path("media_type").asText() + ";base64," + source.path("data").asText();
            case "url" -> source.path("url").asText();
            default -> throw unsupported(where + ": an image from a '" + source.path("type").asText() + "' source");
        };
    }

    private static String toolResult(String where, JsonNode block) {
        JsonNode content = block.path("content");
        String text = content.isTextual() ? content.asText() : text(content, where);
        return block.path("is_error").asBoolean(false) ? "Error: " + text : text;
    }

    /** The text of a string or of text blocks; other blocks are a 400. */
    private static String text(JsonNode content) {
        return text(content, "system");
    }

    private static String text(JsonNode content, String where) {
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode block : content) {
            if (!"text".equals(block.path("type").asText())) {
                throw unsupported(where + ": a '" + block.path("type").asText() + "' block where only text fits");
            }
            text.append(block.path("text").asText());
        }
        return text.toString();
    }

    private static ArrayNode tools(JsonNode tools) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            if (tool.hasNonNull("type") && !"custom".equals(tool.path("type").asText())) {
                throw unsupported("tools[" + i + "]: the server tool '" + tool.path("type").asText() + "'");
            }
            ObjectNode function = out.addObject().put("type", "function").putObject("function")
                    .put("name", tool.path("name").asText());
            if (tool.hasNonNull("description")) {
                function.put("description", tool.path("description").asText());
            }
            function.set("parameters", tool.path("input_schema"));
        }
        return out;
    }

    private static void toolChoice(JsonNode choice, ObjectNode out) {
        switch (choice.path("type").asText()) {
            case "any" -> out.put("tool_choice", "required");
            case "none" -> out.put("tool_choice", "none");
            case "tool" -> out.putObject("tool_choice").put("type", "function").putObject("function")
                    .put("name", choice.path("name").asText());
            default -> out.put("tool_choice", "auto");
        }
        if (choice.path("disable_parallel_tool_use").asBoolean(false)) {
            out.put("parallel_tool_calls", false);
        }
    }

    private static GatewayException unsupported(String what) {
        return GatewayException.badRequest("cannot send to an OpenAI-compatible model: " + what);
    }
}
