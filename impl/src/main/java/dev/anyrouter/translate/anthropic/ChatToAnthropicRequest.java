package dev.anyrouter.translate.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.json.Json;
import java.util.Set;

/**
 * A chat-completions request as a Messages request (docs/wire-format.md section 4): {@code system} and
 * {@code developer} messages become the top-level {@code system}, the rest Messages turns
 * ({@link ChatToAnthropicMessages}); options, tools and reasoning are mapped here, a JSON {@code response_format} by
 * {@link StructuredOutput}. Anything Anthropic cannot express is a 400.
 */
final class ChatToAnthropicRequest {

    /** {@code max_tokens} when the client gave none: the Messages API requires one. */
    static final int DEFAULT_MAX_TOKENS = 4096;
    /** Anthropic's smallest thinking budget. */
    private static final int MIN_THINKING = 1024;

    /** Fields that only tune OpenAI's sampling or service and have no Messages counterpart: left out. */
    private static final Set<String> DROPPED = Set.of("model", "messages", "stream_options", "presence_penalty",
            "frequency_penalty", "seed", "logit_bias", "service_tier", "store", "metadata", "prediction",
            "parallel_tool_calls", "max_completion_tokens", "simulation",
            // OpenRouter's older switch for reasoning (its routing fields never get here: rest/OpenRouterFields)
            "include_reasoning");

    private ChatToAnthropicRequest() {
    }

    static ObjectNode translate(ObjectNode chat, Destination route) {
        ObjectNode out = Json.MAPPER.createObjectNode().put("model", route.upstreamModel());
        Integer maxTokens = maxTokens(chat);
        out.put("max_tokens", maxTokens != null ? maxTokens : DEFAULT_MAX_TOKENS);
        ArrayNode system = Json.MAPPER.createArrayNode();
        ArrayNode messages = Json.MAPPER.createArrayNode();
        JsonNode list = chat.path("messages");
        for (int i = 0; i < list.size(); i++) {
            ChatToAnthropicMessages.message("messages[" + i + "]", list.get(i), system, messages);
        }
        if (!system.isEmpty()) {
            out.set("system", system);
        }
        out.set("messages", messages);
        chat.fields().forEachRemaining(field -> option(field.getKey(), field.getValue(), chat, out));
        StructuredOutput.apply(chat, out);
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
                // see StructuredOutput, applied once every other option is in
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
        if (StructuredOutput.asked(chat)) {
            throw unsupported("reasoning with a JSON response_format (the JSON answer comes as a forced tool, and "
                    + "Anthropic models cannot think when a tool is forced)");
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
            CacheControl.copy("tools[" + i + "]", tool, translated);
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

    static GatewayException unsupported(String what) {
        return GatewayException.badRequest("cannot send to an Anthropic model: " + what);
    }
}
