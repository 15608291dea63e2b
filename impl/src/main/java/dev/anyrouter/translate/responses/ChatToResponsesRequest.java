package dev.anyrouter.translate.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.json.Json;
import dev.anyrouter.translate.RequestBodies;
import java.util.Set;

/**
 * A chat-completions request as a Responses request (docs/wire-format.md, "A Responses upstream answering a
 * chat-completions client"): the messages become {@code input} items ({@link ChatToResponsesInput}), function tools
 * flat Responses tools, the token bound {@code max_output_tokens}, {@code response_format} and {@code verbosity} the
 * {@code text} settings, a reasoning effort {@code reasoning.effort}. The gateway keeps no state upstream, so the
 * body always says {@code "store": false}. An option the Responses API cannot express is a 400 naming it, unless
 * its value changes nothing ({@code n: 1}, {@code logprobs: false}, a penalty of 0, …).
 */
public final class ChatToResponsesRequest {

    /** Fields read elsewhere in {@link #translate}, or with no upstream meaning: not sent on as they are. */
    private static final Set<String> DROPPED = Set.of("model", "messages", "max_tokens", "max_completion_tokens",
            "response_format", "verbosity", "reasoning_effort", "reasoning", "stream_options", "store",
            "simulation", "include_reasoning", "models", "provider", "transforms", "route", "usage");
    /** Fields the two APIs share, sent on as they are. */
    private static final Set<String> SHARED = Set.of("stream", "temperature", "top_p", "parallel_tool_calls", "user",
            "metadata", "safety_identifier", "prompt_cache_key", "service_tier");

    private ChatToResponsesRequest() {
    }

    /** The Responses body for the validated chat-completions body {@code chat}, naming {@code route}'s model. */
    public static ObjectNode translate(ObjectNode chat, Destination route) {
        ObjectNode out = Json.MAPPER.createObjectNode().put("model", route.upstreamModel());
        ChatToResponsesInput.add(chat.path("messages"), out.putArray("input"));
        for (String field : new String[] {"max_completion_tokens", "max_tokens"}) {
            if (chat.path(field).canConvertToInt() && !out.has("max_output_tokens")) {
                out.put("max_output_tokens", chat.path(field).asInt());
            }
        }
        text(chat, out);
        reasoning(chat, out);
        chat.fields().forEachRemaining(field -> option(field.getKey(), field.getValue(), out));
        out.put("store", false);
        if (chat.has("simulation")) {
            out.set("simulation", chat.get("simulation")); // the built-in simulated upstream's knobs
        }
        return out;
    }

    private static void option(String name, JsonNode value, ObjectNode out) {
        if (DROPPED.contains(name) || value.isNull()) {
            return;
        }
        if (SHARED.contains(name)) {
            out.set(name, value);
            return;
        }
        boolean changesNothing = switch (name) {
            case "tools" -> {
                out.set("tools", tools(value));
                yield true;
            }
            case "tool_choice" -> {
                out.set("tool_choice", toolChoice(value));
                yield true;
            }
            case "n" -> value.asInt() == 1;
            case "logprobs" -> value.isBoolean() && !value.asBoolean();
            case "presence_penalty", "frequency_penalty" -> value.isNumber() && value.asDouble() == 0;
            case "logit_bias", "stop" -> value.isContainerNode() && value.isEmpty();
            case "modalities" -> value.size() == 1 && "text".equals(value.path(0).asText());
            default -> false;
        };
        if (!changesNothing) {
            throw unsupported(name + ": " + value + " (no Responses API counterpart)");
        }
    }

    /** {@code response_format} as {@code text.format} and {@code verbosity} as {@code text.verbosity}. */
    private static void text(ObjectNode chat, ObjectNode out) {
        JsonNode format = chat.path("response_format");
        ObjectNode text = Json.MAPPER.createObjectNode();
        switch (format.path("type").asText("text")) {
            case "text" -> {
                // the default
            }
            case "json_object" -> text.putObject("format").put("type", "json_object");
            case "json_schema" -> {
                ObjectNode translated = text.putObject("format").put("type", "json_schema");
                RequestBodies.copy(format.path("json_schema"), translated, "name", "description", "schema", "strict");
            }
            default -> throw unsupported("response_format: a '" + format.path("type").asText() + "' format");
        }
        if (chat.path("verbosity").isTextual()) {
            text.put("verbosity", chat.path("verbosity").asText());
        }
        if (!text.isEmpty()) {
            out.set("text", text);
        }
    }

    /**
     * OpenAI's {@code reasoning_effort}, or OpenRouter's {@code reasoning} object ({@code effort}; {@code enabled:
     * false} turns it off), as {@code reasoning.effort}. A token budget has no Responses counterpart.
     */
    private static void reasoning(ObjectNode chat, ObjectNode out) {
        JsonNode reasoning = chat.path("reasoning");
        JsonNode effort = chat.path("reasoning_effort");
        if (reasoning.isObject()) {
            if (!reasoning.path("enabled").asBoolean(true)) {
                return;
            }
            if (!reasoning.path("effort").isTextual() && reasoning.hasNonNull("max_tokens")) {
                throw unsupported("reasoning.max_tokens (the Responses API takes an effort, not a token budget)");
            }
            effort = reasoning.path("effort");
        }
        if (effort.isTextual()) {
            out.putObject("reasoning").put("effort", effort.asText());
        }
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
            ObjectNode translated = out.addObject().put("type", "function").put("name", function.path("name").asText());
            RequestBodies.copy(function, translated, "description", "parameters", "strict");
        }
        return out;
    }

    /** {@code auto}, {@code none} and {@code required} as they are; a named function flat. */
    private static JsonNode toolChoice(JsonNode choice) {
        if (choice.isTextual()) {
            return choice;
        }
        if ("function".equals(choice.path("type").asText())) {
            return Json.MAPPER.createObjectNode().put("type", "function")
                    .put("name", choice.path("function").path("name").asText());
        }
        throw unsupported("tool_choice: " + choice + " (expected: \"auto\", \"none\", \"required\" or a function)");
    }

    static GatewayException unsupported(String what) {
        return GatewayException.badRequest("cannot send to a Responses API model: " + what);
    }
}
