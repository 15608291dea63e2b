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
 * A Responses request as a chat-completions request (docs/wire-format.md, "Responses and chat completions"):
 * {@code instructions} becomes the first (system) message; {@code input} becomes messages, a
 * {@code function_call} item an assistant tool call and a {@code function_call_output} item a {@code tool}
 * message; function tools become chat tools, {@code text.format} the {@code response_format}, a reasoning effort
 * the {@code reasoning_effort}. Reasoning items of earlier turns are left out (a chat-completions model cannot take
 * them back). The gateway keeps no conversation state, so {@code store: true} and {@code previous_response_id} are
 * refused, and so is anything else the chat API cannot express: a 400 naming it.
 */
public final class ResponsesToChat {

    /** Fields that tune only the Responses service, or that the gateway answers itself: not sent on. */
    private static final Set<String> DROPPED = Set.of("model", "input", "instructions", "max_output_tokens",
            "reasoning", "text", "metadata", "stream_options", "include", "models", "provider", "transforms",
            "route", "usage", "simulation");
    /** Fields the two APIs share, sent on as they are. */
    private static final Set<String> SHARED = Set.of("stream", "temperature", "top_p", "parallel_tool_calls",
            "user", "safety_identifier", "prompt_cache_key", "service_tier", "top_logprobs");

    private ResponsesToChat() {
    }

    /** The chat-completions body for {@code request}, naming {@code route}'s upstream model. */
    public static ObjectNode translate(ObjectNode request, Destination route) {
        ObjectNode out = Json.MAPPER.createObjectNode().put("model", route.upstreamModel());
        ArrayNode messages = out.putArray("messages");
        if (request.path("instructions").isTextual()) {
            messages.addObject().put("role", "system").put("content", request.path("instructions").asText());
        }
        JsonNode input = request.path("input");
        if (input.isTextual()) {
            messages.addObject().put("role", "user").put("content", input.asText());
        }
        for (int i = 0; i < input.size(); i++) {
            ResponsesInput.add("input[" + i + "]", input.get(i), messages);
        }
        if (request.path("max_output_tokens").canConvertToInt()) {
            // OpenAI's own API wants max_completion_tokens (its reasoning models refuse max_tokens); other
            // OpenAI-compatible servers know max_tokens best.
            out.put(route.onlyAt("api.openai.com") ? "max_completion_tokens" : "max_tokens",
                    request.path("max_output_tokens").asInt());
        }
        JsonNode effort = request.path("reasoning").path("effort");
        if (effort.isTextual()) {
            out.put("reasoning_effort", effort.asText());
        }
        format(request.path("text"), out);
        request.fields().forEachRemaining(field -> option(field.getKey(), field.getValue(), out));
        if (request.path("stream").asBoolean(false)) {
            out.putObject("stream_options").put("include_usage", true); // usage for response.completed
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
        if (SHARED.contains(name)) {
            out.set(name, value);
            return;
        }
        switch (name) {
            case "tools" -> out.set("tools", tools(value));
            case "tool_choice" -> out.set("tool_choice", toolChoice(value));
            case "store" -> {
                if (value.asBoolean()) {
                    throw unsupported("store: true (the gateway keeps no responses; send store: false or leave it "
                            + "out)");
                }
            }
            case "previous_response_id" -> throw unsupported("previous_response_id (the gateway keeps no "
                    + "responses: send the earlier turns in input instead)");
            case "truncation" -> {
                if (!"disabled".equals(value.asText())) {
                    throw unsupported("truncation: " + value + " (expected: \"disabled\")");
                }
            }
            case "background" -> {
                if (value.asBoolean()) {
                    throw unsupported("background: true");
                }
            }
            default -> throw unsupported(name + " (no chat-completions counterpart)");
        }
    }

    private static ArrayNode tools(JsonNode tools) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            String type = tool.path("type").asText();
            if (!"function".equals(type)) {
                throw unsupported("tools[" + i + "]: the built-in tool '" + type + "' (only function tools reach a "
                        + "chat-completions or Messages upstream; a provider that speaks the Responses API serves "
                        + "built-in tools)");
            }
            ObjectNode function = out.addObject().put("type", "function").putObject("function")
                    .put("name", tool.path("name").asText());
            RequestBodies.copy(tool, function, "description", "parameters", "strict");
        }
        return out;
    }

    private static JsonNode toolChoice(JsonNode choice) {
        if (choice.isTextual()) {
            return choice;
        }
        if ("function".equals(choice.path("type").asText())) {
            ObjectNode out = Json.MAPPER.createObjectNode().put("type", "function");
            out.putObject("function").put("name", choice.path("name").asText());
            return out;
        }
        throw unsupported("tool_choice: " + choice + " (expected: \"auto\", \"none\", \"required\" or a function)");
    }

    /** {@code text.format} as the chat API's {@code response_format}. */
    private static void format(JsonNode text, ObjectNode out) {
        JsonNode format = text.path("format");
        switch (format.path("type").asText("text")) {
            case "text" -> {
                // the default
            }
            case "json_object" -> out.putObject("response_format").put("type", "json_object");
            case "json_schema" -> {
                ObjectNode schema = out.putObject("response_format").put("type", "json_schema")
                        .putObject("json_schema");
                RequestBodies.copy(format, schema, "name", "description", "schema", "strict");
            }
            default -> throw unsupported("text.format: a '" + format.path("type").asText() + "' format");
        }
        if (text.path("verbosity").isTextual()) {
            out.put("verbosity", text.path("verbosity").asText());
        }
    }

    static GatewayException unsupported(String what) {
        return GatewayException.badRequest("cannot be sent to this provider's API: " + what);
    }
}
