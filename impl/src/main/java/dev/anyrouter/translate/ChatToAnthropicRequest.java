package dev.anyrouter.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.errors.GatewayException;
import dev.anyrouter.json.Json;
import dev.anyrouter.routing.Route;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A chat-completions request as a Messages request (docs/wire-format.md section 4): {@code system} and
 * {@code developer} messages become the top-level {@code system}; tool calls become {@code tool_use} blocks and
 * {@code tool} messages {@code tool_result} blocks; image parts become {@code image} blocks; consecutive turns of
 * one role merge, as the Messages API wants them alternating. Anything Anthropic cannot express is a 400.
 */
final class ChatToAnthropicRequest {

    /** {@code max_tokens} when the client gave none: the Messages API requires one. */
    static final int DEFAULT_MAX_TOKENS = 4096;
    /** Anthropic's smallest thinking budget. */
    private static final int MIN_THINKING = 1024;

    private static final Pattern DATA_URL = Pattern.compile("data:([\\w.+-]+/[\\w.+-]+);base64,(.*)", Pattern.DOTALL);
    /** Fields that only tune OpenAI's sampling or service and have no Messages counterpart: left out. */
    private static final Set<String> DROPPED = Set.of("model", "messages", "stream_options", "presence_penalty",
            "frequency_penalty", "seed", "logit_bias", "service_tier", "store", "metadata", "prediction",
            "parallel_tool_calls", "max_completion_tokens", "simulation",
            // routing hints for gateways (OpenRouter's), not for the model
            "models", "provider", "transforms", "route", "usage", "include_reasoning");

    private ChatToAnthropicRequest() {
    }

    static ObjectNode translate(ObjectNode chat, Route route) {
        ObjectNode out = Json.MAPPER.createObjectNode().put("model", route.upstreamModel());
        Integer maxTokens = maxTokens(chat);
        out.put("max_tokens", maxTokens != null ? maxTokens : DEFAULT_MAX_TOKENS);
        ArrayNode system = Json.MAPPER.createArrayNode();
        ArrayNode messages = Json.MAPPER.createArrayNode();
        JsonNode list = chat.path("messages");
        for (int i = 0; i < list.size(); i++) {
            message("messages[" + i + "]", list.get(i), system, messages);
        }
        if (!system.isEmpty()) {
            out.set("system", system);
        }
        out.set("messages", messages);
        chat.fields().forEachRemaining(field -> option(field.getKey(), field.getValue(), chat, out));
        if (!out.has("tool_choice") && out.has("tools") && chat.path("parallel_tool_calls").isBoolean()
                && !chat.path("parallel_tool_calls").asBoolean()) {
            out.putObject("tool_choice").put("type", "auto").put("disable_parallel_tool_use", true);
        }
        thinking(chat, out);
        if (chat.has("simulation")) {
            out.set("simulation", chat.get("simulation")); // the built-in simulated upstream's knobs
        }
        return out;
    }

    /** The client's token bound, or {@code null}. */
    private static Integer maxTokens(ObjectNode chat) {
        for (String field : new String[] {"max_completion_tokens", "max_tokens"}) {
            if (chat.path(field).canConvertToInt()) {
                return chat.path(field).asInt();
            }
        }
        return null;
    }

    private static void option(String name, JsonNode value, ObjectNode chat, ObjectNode out) {
        if (DROPPED.contains(name) || value.isNull()) {
            return;
        }
        switch (name) {
            case "max_tokens" -> {
                // set above
            }
            case "stream", "top_p", "top_k" -> out.set(name, value);
            case "stop" -> out.set("stop_sequences", value.isTextual()
                    ? Json.MAPPER.createArrayNode().add(value.asText()) : value);
            case "tools" -> out.set("tools", tools(value));
            case "tool_choice" -> out.set("tool_choice", toolChoice(value, chat.path("parallel_tool_calls")));
            case "user" -> out.putObject("metadata").put("user_id", value.asText());
            case "n" -> {
                if (value.asInt() != 1) {
                    throw unsupported("n: " + value + " (Anthropic models give one answer per request)");
                }
            }
            case "response_format" -> {
                if (!"text".equals(value.path("type").asText())) {
                    throw unsupported("response_format: " + value.path("type")
                            + " (Anthropic models have no JSON mode; describe the format in the prompt or use a tool)");
                }
            }
            case "logprobs", "top_logprobs" -> {
                if (!value.isBoolean() || value.asBoolean()) {
                    throw unsupported(name + " (Anthropic models do not return log probabilities)");
                }
            }
            case "modalities", "audio" -> throw unsupported(name + " (Anthropic models answer in text only)");
            case "temperature" -> {
                if (value.isNumber() && value.asDouble() > 1) {
                    throw unsupported("temperature: " + value + " (Anthropic models take 0 to 1)");
                }
                out.set(name, value);
            }
            case "reasoning_effort", "reasoning" -> {
                // see thinking()
            }
            default -> throw unsupported(name + " (no Messages API counterpart)");
        }
    }

    /**
     * Extended thinking for OpenAI's {@code reasoning_effort} or OpenRouter's {@code reasoning}: a budget of 1024
     * (low), 4096 (medium) or 16384 (high) tokens, or {@code reasoning.max_tokens}. It fits inside the client's
     * token bound, as OpenAI's reasoning does; without a bound the default grows to make room. It stays off in a
     * tool loop, where Anthropic wants the signed thinking block of the last turn back and a chat client has none.
     */
    private static void thinking(ObjectNode chat, ObjectNode out) {
        Integer budget = budget(chat);
        if (budget == null || lastAssistantCallsTools(out.path("messages"))) {
            return;
        }
        String choice = out.path("tool_choice").path("type").asText();
        if (choice.equals("any") || choice.equals("tool")) {
            throw unsupported("reasoning_effort with a tool_choice that forces a tool (Anthropic models cannot "
                    + "think when a tool is forced)");
        }
        int maxTokens = out.path("max_tokens").asInt();
        if (maxTokens(chat) != null) {
            budget = Math.min(budget, maxTokens - 1);
            if (budget < MIN_THINKING) {
                throw unsupported("reasoning with max_tokens " + maxTokens + " (Anthropic models think with at least "
                        + MIN_THINKING + " tokens below max_tokens)");
            }
        } else if (maxTokens <= budget) {
            out.put("max_tokens", budget + DEFAULT_MAX_TOKENS);
        }
        out.putObject("thinking").put("type", "enabled").put("budget_tokens", budget);
    }

    private static Integer budget(ObjectNode chat) {
        JsonNode reasoning = chat.path("reasoning");
        if (reasoning.isObject()) { // OpenRouter's: {"effort"} or {"max_tokens"}; {"enabled": false} turns it off
            if (!reasoning.path("enabled").asBoolean(true)) {
                return null;
            }
            return reasoning.path("max_tokens").canConvertToInt() ? Integer.valueOf(reasoning.path("max_tokens")
                    .asInt()) : effort(reasoning.path("effort").asText("medium"));
        }
        return chat.path("reasoning_effort").isTextual() ? effort(chat.path("reasoning_effort").asText()) : null;
    }

    private static Integer effort(String effort) {
        return switch (effort) {
            case "none" -> null;
            case "low", "minimal" -> MIN_THINKING;
            case "high" -> 16_384;
            default -> 4096;
        };
    }

    private static boolean lastAssistantCallsTools(JsonNode messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            JsonNode message = messages.get(i);
            if ("assistant".equals(message.path("role").asText())) {
                for (JsonNode block : message.path("content")) {
                    if ("tool_use".equals(block.path("type").asText())) {
                        return true;
                    }
                }
                return false;
            }
        }
        return false;
    }

    private static void message(String where, JsonNode message, ArrayNode system, ArrayNode messages) {
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
            default -> throw unsupported(where + ".role: '" + role + "' (use tool messages for tool results)");
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
                case "text" -> blocks.addObject().put("type", "text").put("text", part.path("text").asText());
                case "image_url" -> {
                    if (!images) {
                        throw unsupported(where + ".content[" + i + "]: an image here (Anthropic takes images in "
                                + "user messages only)");
                    }
                    blocks.add(image(where + ".content[" + i + "]", part.path("image_url").path("url").asText()));
                }
                default -> throw unsupported(where + ".content[" + i + "]: a '" + type + "' part (Anthropic models "
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

    private static ArrayNode tools(JsonNode tools) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            if (!"function".equals(tool.path("type").asText("function"))) {
                throw unsupported("tools[" + i + "]: type '" + tool.path("type").asText() + "' (only function tools "
                        + "translate)");
            }
            JsonNode function = tool.path("function");
            ObjectNode translated = out.addObject().put("name", function.path("name").asText());
            if (function.hasNonNull("description")) {
                translated.put("description", function.path("description").asText());
            }
            translated.set("input_schema", function.path("parameters").isObject() ? function.get("parameters")
                    : Json.MAPPER.createObjectNode().put("type", "object"));
        }
        return out;
    }

    private static ObjectNode toolChoice(JsonNode choice, JsonNode parallel) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        if (choice.isTextual()) {
            out.put("type", switch (choice.asText()) {
                case "none" -> "none";
                case "required" -> "any";
                default -> "auto";
            });
        } else {
            out.put("type", "tool").put("name", choice.path("function").path("name").asText());
        }
        if (parallel.isBoolean() && !parallel.asBoolean() && !"none".equals(out.path("type").asText())) {
            out.put("disable_parallel_tool_use", true);
        }
        return out;
    }

    private static GatewayException unsupported(String what) {
        return GatewayException.badRequest("cannot send to an Anthropic model: " + what);
    }
}
