package dev.anyrouter.translate.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.json.Json;

/**
 * The messages of a chat-completions request as the {@code input} items of a Responses request
 * (docs/wire-format.md, "A Responses upstream answering a chat-completions client"). Every message keeps its place
 * and role, {@code system} and {@code developer} ones too; an assistant's text becomes {@code output_text} parts
 * (the Responses API takes no {@code input_text} from the assistant), its tool calls {@code function_call} items, and
 * a {@code tool} message a {@code function_call_output} item.
 */
final class ChatToResponsesInput {

    private ChatToResponsesInput() {
    }

    /** Adds the items of {@code messages} to {@code input}. */
    static void add(JsonNode messages, ArrayNode input) {
        for (int i = 0; i < messages.size(); i++) {
            message("messages[" + i + "]", messages.get(i), input);
        }
    }

    private static void message(String where, JsonNode message, ArrayNode input) {
        String role = message.path("role").asText();
        JsonNode content = message.path("content");
        switch (role) {
            case "system", "developer", "user" -> {
                ObjectNode item = input.addObject().put("type", "message").put("role", role);
                if (content.isTextual()) {
                    item.put("content", content.asText());
                } else {
                    item.set("content", parts(where, content, !role.equals("user")));
                }
            }
            case "assistant" -> assistant(where, message, input);
            case "tool" -> input.addObject().put("type", "function_call_output")
                    .put("call_id", message.path("tool_call_id").asText()).put("output", text(where, content));
            default -> throw ChatToResponsesRequest.unsupported(where + ".role: '" + role + "'");
        }
    }

    /** An assistant turn: a message item with its text and refusal (when it has any), then one item per call. */
    private static void assistant(String where, JsonNode message, ArrayNode input) {
        ArrayNode parts = Json.MAPPER.createArrayNode();
        JsonNode content = message.path("content");
        if (content.isTextual() && !content.asText().isEmpty()) {
            parts.addObject().put("type", "output_text").put("text", content.asText());
        }
        for (int i = 0; content.isArray() && i < content.size(); i++) {
            JsonNode part = content.get(i);
            switch (part.path("type").asText()) {
                case "text" -> parts.addObject().put("type", "output_text").put("text", part.path("text").asText());
                case "refusal" -> parts.addObject().put("type", "refusal").put("refusal",
                        part.path("refusal").asText());
                default -> throw ChatToResponsesRequest.unsupported(where + ".content[" + i + "]: a '"
                        + part.path("type").asText() + "' part in an assistant message");
            }
        }
        if (message.path("refusal").isTextual()) {
            parts.addObject().put("type", "refusal").put("refusal", message.path("refusal").asText());
        }
        if (!parts.isEmpty()) {
            input.addObject().put("type", "message").put("role", "assistant").set("content", parts);
        }
        for (JsonNode call : message.path("tool_calls")) {
            JsonNode function = call.path("function");
            input.addObject().put("type", "function_call").put("call_id", call.path("id").asText())
                    .put("name", function.path("name").asText()).put("arguments", function.path("arguments").asText());
        }
    }

    /** Content parts as Responses input parts; {@code textOnly} for system and developer messages. */
    private static ArrayNode parts(String where, JsonNode content, boolean textOnly) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            String type = part.path("type").asText();
            String at = where + ".content[" + i + "]";
            if (textOnly && !type.equals("text")) {
                throw ChatToResponsesRequest.unsupported(at + ": a '" + type + "' part where only text fits");
            }
            switch (type) {
                case "text" -> out.addObject().put("type", "input_text").put("text", part.path("text").asText());
                case "image_url" -> {
                    JsonNode image = part.path("image_url");
                    ObjectNode translated = out.addObject().put("type", "input_image")
                            .put("image_url", image.isTextual() ? image.asText() : image.path("url").asText());
                    if (image.path("detail").isTextual()) {
                        translated.put("detail", image.path("detail").asText());
                    }
                }
                case "file" -> {
                    ObjectNode file = out.addObject().put("type", "input_file");
                    for (String field : new String[] {"file_data", "file_id", "filename"}) {
                        if (part.path("file").path(field).isTextual()) {
                            file.put(field, part.path("file").path(field).asText());
                        }
                    }
                }
                default -> throw ChatToResponsesRequest.unsupported(at + ": a '" + type + "' part");
            }
        }
        return out;
    }

    /** A tool result's text: a string, or its text parts joined. */
    private static String text(String where, JsonNode content) {
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            if (!"text".equals(part.path("type").asText())) {
                throw ChatToResponsesRequest.unsupported(where + ".content[" + i + "]: a '"
                        + part.path("type").asText() + "' part in a tool result");
            }
            text.append(part.path("text").asText());
        }
        return text.toString();
    }
}
