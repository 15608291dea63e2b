package dev.anyrouter.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.ClientApi;
import java.util.HashSet;
import java.util.Set;

/**
 * A validated Anthropic Messages request (docs/wire-format.md section 3). Besides the field types it checks what
 * Anthropic rejects: {@code max_tokens} is required; the conversation is well formed ({@link MessagesConversation}:
 * the turns alternate from a user turn, every content block is well formed and in the right role, a
 * {@code tool_result} answers an earlier {@code tool_use}); a forced {@code tool_choice} names a declared tool.
 *
 * @param body          the request as the client sent it
 * @param model         {@code provider/model}, or a model id alone (a route alias or a model of the default provider)
 * @param stream        whether the client asked for server-sent events
 * @param fallbackField the field listing fallback models: {@code fallbacks}
 */
record MessagesRequest(ObjectNode body, String model, boolean stream, String fallbackField)
        implements ClientRequest {

    private static final Set<String> NUMBERS = Set.of("temperature", "top_p");

    @Override
    public ClientApi api() {
        return ClientApi.MESSAGES;
    }

    /**
     * The request of a body that {@link Fields#request} has parsed and whose model it has checked, after this API's own
     * checks (in the order Anthropic reports them); every problem is a 400 naming the field and what was expected.
     */
    static MessagesRequest checked(ObjectNode body, String model) {
        JsonNode maxTokens = body.get("max_tokens");
        if (maxTokens == null || maxTokens.isNull()) {
            throw GatewayException.badRequest("max_tokens: missing (expected: a whole number of at least 1; the "
                    + "Messages API requires it)");
        }
        if (!Fields.count(maxTokens)) {
            throw Fields.invalid("max_tokens", maxTokens, "a whole number of at least 1");
        }
        return conversation(body, model, Fields.optionalBoolean(body, "stream"));
    }

    /**
     * A {@code count_tokens} request: the Messages request without {@code max_tokens}, with the same checks
     * otherwise; it is answered at once, so {@code stream: true} is a 400.
     */
    static MessagesRequest counted(ObjectNode body, String model) {
        if (Fields.optionalBoolean(body, "stream")) {
            throw GatewayException.badRequest("stream: true (expected: false or absent; a token count is one answer)");
        }
        return conversation(body, model, false);
    }

    private static MessagesRequest conversation(ObjectNode body, String model, boolean stream) {
        system(body.get("system"));
        Set<String> tools = tools(body.get("tools"));
        toolChoice(body.get("tool_choice"), tools);
        MessagesConversation.check(Fields.array(body.get("messages"), "messages"));
        for (String field : NUMBERS) {
            JsonNode value = body.get(field);
            if (value != null && !value.isNull() && !value.isNumber()) {
                throw Fields.invalid(field, value, "a number");
            }
        }
        JsonNode stops = body.get("stop_sequences");
        if (stops != null && !stops.isNull() && (!stops.isArray() || !Fields.allText(stops))) {
            throw Fields.invalid("stop_sequences", stops, "an array of strings");
        }
        Fields.budgeted(body.get("thinking"), "thinking", "budget_tokens");
        OpenRouterFields.check(body);
        return new MessagesRequest(body, model, stream, "fallbacks");
    }

    private static void system(JsonNode system) {
        if (system == null || system.isNull() || system.isTextual()) {
            return;
        }
        if (!system.isArray()) {
            throw Fields.invalid("system", system, "a string or an array of text blocks");
        }
        for (int i = 0; i < system.size(); i++) {
            JsonNode block = system.get(i);
            if (!block.isObject() || !"text".equals(block.path("type").asText())) {
                throw Fields.invalid("system[" + i + "]", block, "a text block");
            }
            Fields.text(block, "text", "system[" + i + "]");
        }
    }

    private static Set<String> tools(JsonNode tools) {
        Set<String> names = new HashSet<>();
        if (tools == null || tools.isNull()) {
            return names;
        }
        if (!tools.isArray()) {
            throw Fields.invalid("tools", tools, "an array");
        }
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            String where = "tools[" + i + "]";
            if (!tool.isObject()) {
                throw Fields.invalid(where, tool, "an object with name and input_schema");
            }
            names.add(Fields.text(tool, "name", where));
            boolean serverTool = tool.hasNonNull("type") && !"custom".equals(tool.path("type").asText());
            if (!serverTool && !tool.path("input_schema").isObject()) {
                throw Fields.invalid(where + ".input_schema", tool.get("input_schema"), "a JSON schema object");
            }
        }
        return names;
    }

    private static void toolChoice(JsonNode choice, Set<String> tools) {
        if (choice == null || choice.isNull()) {
            return;
        }
        String type = choice.path("type").asText("");
        switch (type) {
            case "auto", "any", "none" -> {
                // nothing more to check
            }
            case "tool" -> {
                String name = Fields.text(choice, "name", "tool_choice");
                if (!tools.contains(name)) {
                    throw GatewayException.badRequest("tool_choice.name: '" + name + "' is not one of the tools "
                            + "(declared: " + tools + ")");
                }
            }
            default -> throw Fields.invalid("tool_choice", choice,
                    "{\"type\": \"auto\" | \"any\" | \"none\"} or {\"type\": \"tool\", \"name\": …}");
        }
    }
}
