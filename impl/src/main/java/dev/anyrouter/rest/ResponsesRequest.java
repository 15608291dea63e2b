package dev.anyrouter.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.ClientApi;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A validated OpenAI Responses request (docs/api.md, "The Responses API"). It checks the shapes of the fields the
 * gateway translates: {@code input} (a string or a list of items), {@code instructions}, {@code tools},
 * {@code tool_choice}, the numbers and {@code text.format}. Whether an upstream can serve what the request asks
 * (a built-in tool, {@code store}, {@code previous_response_id}) is the translator's to say, as it depends on the
 * upstream's API.
 *
 * @param body          the request as the client sent it
 * @param model         {@code provider/model}, or a model id alone (a route alias or a model of the default provider)
 * @param stream        whether the client asked for server-sent events
 * @param fallbackField the field listing fallback models: {@code models}, as on OpenRouter
 */
record ResponsesRequest(ObjectNode body, String model, boolean stream, String fallbackField)
        implements ClientRequest {

    private static final Set<String> ROLES = Set.of("user", "system", "developer", "assistant");
    private static final Set<String> NUMBERS = Set.of("temperature", "top_p");
    private static final Set<String> TOOL_CHOICES = Set.of("auto", "none", "required");

    @Override
    public ClientApi api() {
        return ClientApi.RESPONSES;
    }

    @Override
    public OptionalLong maxTokens() {
        JsonNode max = body.path("max_output_tokens");
        return max.canConvertToLong() && max.asLong() > 0 ? OptionalLong.of(max.asLong()) : OptionalLong.empty();
    }

    /**
     * The request of a body that {@link Fields#request} has parsed and whose model it has checked; every problem is
     * a 400 naming the field and what was expected.
     */
    static ResponsesRequest checked(ObjectNode body, String model) {
        input(body.get("input"));
        boolean stream = Fields.optionalBoolean(body, "stream");
        JsonNode options = body.get("stream_options");
        if (options != null && !options.isNull() && !stream) {
            throw GatewayException.badRequest("stream_options: only allowed when stream is true");
        }
        JsonNode instructions = body.get("instructions");
        if (instructions != null && !instructions.isNull() && !instructions.isTextual()) {
            throw Fields.invalid("instructions", instructions, "a string");
        }
        for (String field : NUMBERS) {
            JsonNode value = body.get(field);
            if (value != null && !value.isNull() && !value.isNumber()) {
                throw Fields.invalid(field, value, "a number");
            }
        }
        JsonNode max = body.get("max_output_tokens");
        if (max != null && !max.isNull() && !Fields.count(max)) {
            throw Fields.invalid("max_output_tokens", max, "a whole number of at least 1");
        }
        Fields.optionalBoolean(body, "parallel_tool_calls");
        Fields.optionalBoolean(body, "store");
        tools(body.get("tools"));
        toolChoice(body.get("tool_choice"));
        objectOf(body, "metadata");
        objectOf(body, "reasoning");
        JsonNode effort = body.path("reasoning").get("effort");
        if (effort != null && !effort.isNull() && !effort.isTextual()) {
            throw Fields.invalid("reasoning.effort", effort, "a string (minimal, low, medium or high)");
        }
        text(body.get("text"));
        JsonNode previous = body.get("previous_response_id");
        if (previous != null && !previous.isNull() && !previous.isTextual()) {
            throw Fields.invalid("previous_response_id", previous, "a string");
        }
        OpenRouterFields.check(body);
        return new ResponsesRequest(body, model, stream, "models");
    }

    private static void input(JsonNode input) {
        if (input == null || input.isNull()) {
            throw GatewayException.badRequest("input: missing (expected: a string or an array of input items)");
        }
        if (input.isTextual()) {
            return;
        }
        if (!input.isArray()) {
            throw Fields.invalid("input", input, "a string or an array of input items");
        }
        for (int i = 0; i < input.size(); i++) {
            item("input[" + i + "]", input.get(i));
        }
    }

    private static void item(String where, JsonNode item) {
        if (!item.isObject()) {
            throw Fields.invalid(where, item, "an input item object");
        }
        JsonNode type = item.get("type");
        if (type != null && !type.isNull() && !type.isTextual()) {
            throw Fields.invalid(where + ".type", type, "a string");
        }
        switch (item.path("type").asText("message")) {
            case "message" -> message(where, item);
            case "function_call" -> {
                Fields.text(item, "call_id", where);
                Fields.text(item, "name", where);
                Fields.text(item, "arguments", where);
            }
            case "function_call_output" -> {
                Fields.text(item, "call_id", where);
                JsonNode output = item.get("output");
                if (output == null || !output.isTextual() && !output.isArray()) {
                    throw Fields.invalid(where + ".output", output, "a string or an array of content parts");
                }
            }
            default -> {
                // reasoning and other item types: whether the upstream's API can take them is the translator's to say
            }
        }
    }

    private static void message(String where, JsonNode message) {
        JsonNode role = message.get("role");
        if (role == null || !role.isTextual() || !ROLES.contains(role.asText())) {
            throw GatewayException.badRequest(where + ".role: " + Fields.describe(role)
                    + " (expected one of: user, system, developer, assistant)");
        }
        JsonNode content = message.get("content");
        if (content == null || content.isNull()) {
            throw GatewayException.badRequest(where + ".content: missing (expected: a string or an array of "
                    + "content parts)");
        }
        if (content.isTextual()) {
            return;
        }
        if (!content.isArray()) {
            throw Fields.invalid(where + ".content", content, "a string or an array of content parts");
        }
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            if (!part.isObject() || !part.path("type").isTextual()) {
                throw Fields.invalid(where + ".content[" + i + "]", part, "an object with a string type");
            }
        }
    }

    private static void tools(JsonNode tools) {
        if (tools == null || tools.isNull()) {
            return;
        }
        if (!tools.isArray()) {
            throw Fields.invalid("tools", tools, "an array");
        }
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            if (!tool.isObject() || !tool.path("type").isTextual()) {
                throw Fields.invalid("tools[" + i + "]", tool, "an object with a string type");
            }
            if ("function".equals(tool.path("type").asText())) {
                Fields.text(tool, "name", "tools[" + i + "]");
                JsonNode parameters = tool.get("parameters");
                if (parameters != null && !parameters.isNull() && !parameters.isObject()) {
                    throw Fields.invalid("tools[" + i + "].parameters", parameters, "a JSON schema object");
                }
            }
        }
    }

    private static void toolChoice(JsonNode choice) {
        if (choice == null || choice.isNull() || choice.isTextual() && TOOL_CHOICES.contains(choice.asText())) {
            return;
        }
        if (!choice.isObject() || !choice.path("type").isTextual()) {
            throw Fields.invalid("tool_choice", choice, "\"auto\", \"none\", \"required\" or an object with a type");
        }
        if ("function".equals(choice.path("type").asText())) {
            Fields.text(choice, "name", "tool_choice");
        }
    }

    private static void text(JsonNode text) {
        if (text == null || text.isNull()) {
            return;
        }
        if (!text.isObject()) {
            throw Fields.invalid("text", text, "an object");
        }
        JsonNode format = text.get("format");
        if (format == null || format.isNull()) {
            return;
        }
        if (!format.isObject() || !format.path("type").isTextual()) {
            throw Fields.invalid("text.format", format, "an object with a type (text, json_object or json_schema)");
        }
        if ("json_schema".equals(format.path("type").asText())) {
            Fields.text(format, "name", "text.format");
            if (!format.path("schema").isObject()) {
                throw Fields.invalid("text.format.schema", format.get("schema"), "a JSON schema object");
            }
        }
    }

    private static void objectOf(ObjectNode body, String field) {
        JsonNode value = body.get(field);
        if (value != null && !value.isNull() && !value.isObject()) {
            throw Fields.invalid(field, value, "an object");
        }
    }
}
