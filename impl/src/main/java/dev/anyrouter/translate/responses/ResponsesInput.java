package dev.anyrouter.translate.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.json.Json;

/**
 * A Responses request's {@code input} items as chat-completions messages ({@link ResponsesToChat}): messages and
 * their content parts, function calls (joined into the assistant's turn) and their outputs ({@code tool} messages);
 * reasoning items are left out.
 */
final class ResponsesInput {

    private ResponsesInput() {
    }

    /** Adds the chat message(s) of one input item to {@code messages}. */
    static void add(String where, JsonNode item, ArrayNode messages) {
        switch (item.path("type").asText("message")) {
            case "message" -> message(where, item, messages);
            case "function_call" -> {
                ObjectNode call = Json.MAPPER.createObjectNode().put("id", item.path("call_id").asText())
                        .put("type", "function");
                call.putObject("function").put("name", item.path("name").asText())
                        .put("arguments", item.path("arguments").asText());
                assistantTurn(messages).withArrayProperty("tool_calls").add(call);
            }
            case "function_call_output" -> messages.addObject().put("role", "tool")
                    .put("tool_call_id", item.path("call_id").asText())
                    .put("content", outputText(where, item.path("output")));
            case "reasoning" -> {
                // the model's own earlier reasoning: a chat-completions model cannot take it back
            }
            default -> throw ResponsesToChat.unsupported(where + ": a '" + item.path("type").asText() + "' item");
        }
    }

    /** The assistant message a function call joins: the last message when it is the assistant's, else a new one. */
    private static ObjectNode assistantTurn(ArrayNode messages) {
        if (!messages.isEmpty()) {
            JsonNode last = messages.get(messages.size() - 1);
            if ("assistant".equals(last.path("role").asText())) {
                return (ObjectNode) last;
            }
        }
        return messages.addObject().put("role", "assistant").putNull("content");
    }

    private static void message(String where, JsonNode item, ArrayNode messages) {
        String role = item.path("role").asText();
        JsonNode content = item.path("content");
        if (content.isTextual()) {
            messages.addObject().put("role", role).put("content", content.asText());
            return;
        }
        if ("assistant".equals(role)) { // the model's earlier output: its text, joined
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < content.size(); i++) {
                JsonNode part = content.get(i);
                switch (part.path("type").asText()) {
                    case "output_text", "input_text" -> text.append(part.path("text").asText());
                    case "refusal" -> text.append(part.path("refusal").asText());
                    default -> throw ResponsesToChat.unsupported(where + ".content[" + i + "]: a '"
                            + part.path("type").asText()
                            + "' part in an assistant message");
                }
            }
            messages.addObject().put("role", role).put("content", text.toString());
            return;
        }
        ArrayNode parts = Json.MAPPER.createArrayNode();
        for (int i = 0; i < content.size(); i++) {
            parts.add(part(where + ".content[" + i + "]", content.get(i)));
        }
        messages.addObject().put("role", role).set("content", parts);
    }

    private static ObjectNode part(String where, JsonNode part) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        switch (part.path("type").asText()) {
            case "input_text", "output_text" -> out.put("type", "text").put("text", part.path("text").asText());
            case "input_image" -> {
                if (!part.path("image_url").isTextual()) {
                    throw ResponsesToChat.unsupported(where + ": an input_image without image_url (file ids need "
                            + "the upstream's "
                            + "own file store)");
                }
                ObjectNode image = out.put("type", "image_url").putObject("image_url")
                        .put("url", part.path("image_url").asText());
                if (part.path("detail").isTextual()) {
                    image.put("detail", part.path("detail").asText());
                }
            }
            case "input_file" -> {
                if (!part.path("file_data").isTextual()) {
                    throw ResponsesToChat.unsupported(where + ": an input_file without file_data");
                }
                ObjectNode file = out.put("type", "file").putObject("file")
                        .put("file_data", part.path("file_data").asText());
                if (part.path("filename").isTextual()) {
                    file.put("filename", part.path("filename").asText());
                }
            }
            default -> throw ResponsesToChat.unsupported(where + ": a '" + part.path("type").asText() + "' part");
        }
        return out;
    }

    /** A function call's output: a string, or the text of its parts. */
    private static String outputText(String where, JsonNode output) {
        if (output.isTextual()) {
            return output.asText();
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < output.size(); i++) {
            JsonNode part = output.get(i);
            if (!"input_text".equals(part.path("type").asText()) && !"output_text".equals(part.path("type").asText())) {
                throw ResponsesToChat.unsupported(where + ".output[" + i + "]: a '" + part.path("type").asText()
                        + "' part (a "
                        + "chat-completions tool result holds text only)");
            }
            text.append(part.path("text").asText());
        }
        return text.toString();
    }
}
