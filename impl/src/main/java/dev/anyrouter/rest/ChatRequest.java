package dev.anyrouter.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.ClientApi;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * A validated chat-completions request. The JSON tree is kept whole, so fields the gateway does not know pass
 * through to the upstream untouched; only {@code model} is rewritten.
 *
 * @param body          the request as the client sent it
 * @param model         {@code provider/model}, or a model id alone (a route alias or a model of the default provider)
 * @param stream        whether the client asked for server-sent events
 * @param fallbackField the field listing fallback models: {@code models}, as on OpenRouter
 */
record ChatRequest(ObjectNode body, String model, boolean stream, String fallbackField)
        implements ClientRequest {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
    private static final Set<String> NUMBERS = Set.of("temperature", "top_p", "presence_penalty",
            "frequency_penalty");
    private static final Set<String> COUNTS = Set.of("max_tokens", "max_completion_tokens", "n");

    @Override
    public ClientApi api() {
        return ClientApi.CHAT_COMPLETIONS;
    }

    /**
     * The request of a body that {@link Fields#request} has parsed and whose model it has checked, after this API's own
     * checks (the messages, then the other fields' types); every problem is a 400 naming the field and what was
     * expected.
     */
    static ChatRequest checked(ObjectNode body, String model) {
        messages(body.get("messages"));
        boolean stream = Fields.optionalBoolean(body, "stream");
        JsonNode options = body.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!options.isObject()) {
                throw Fields.invalid("stream_options", options, "an object");
            }
            if (!stream) {
                throw GatewayException.badRequest("stream_options: only allowed when stream is true");
            }
            Fields.optionalBoolean((ObjectNode) options, "include_usage");
        }
        fieldTypes(body);
        reasoning(body.get("reasoning"));
        OpenRouterFields.check(body);
        return new ChatRequest(body, model, stream, "models");
    }

    /**
     * Also OpenRouter's {@code usage: {"include": true}} of a stream, as {@code stream_options.include_usage}: the
     * usage chunk (a JSON answer always has its usage).
     */
    @Override
    public ObjectNode upstreamBody() {
        ObjectNode upstream = ClientRequest.super.upstreamBody();
        if (stream && OpenRouterFields.usageIncluded(body)) {
            upstream.withObjectProperty("stream_options").put("include_usage", true);
        }
        return upstream;
    }

    /**
     * OpenRouter's {@code reasoning}: an object with an optional {@code effort} (a string), {@code enabled} (a
     * boolean) and {@code max_tokens} (a budget the translation to Anthropic forwards, so it must be in range).
     */
    private static void reasoning(JsonNode reasoning) {
        if (!Fields.budgeted(reasoning, "reasoning", "max_tokens")) {
            return;
        }
        JsonNode effort = reasoning.get("effort");
        if (effort != null && !effort.isNull() && !effort.isTextual()) {
            throw Fields.invalid("reasoning.effort", effort, "a string");
        }
        Fields.optionalBoolean((ObjectNode) reasoning, "enabled");
    }

    private static void messages(JsonNode messages) {
        Fields.array(messages, "messages");
        for (int i = 0; i < messages.size(); i++) {
            message("messages[" + i + "]", messages.get(i));
        }
    }

    private static void message(String where, JsonNode message) {
        if (!message.isObject()) {
            throw Fields.invalid(where, message, "an object with role and content");
        }
        JsonNode role = message.get("role");
        if (role == null || !role.isTextual() || !ROLES.contains(role.asText())) {
            throw GatewayException.badRequest(where + ".role: " + Fields.describe(role)
                    + " (expected one of: system, developer, user, assistant, tool)");
        }
        JsonNode content = message.get("content");
        boolean assistant = "assistant".equals(role.asText());
        if (content == null || content.isNull()) {
            if (!assistant) {
                throw GatewayException.badRequest(where + ".content: missing (expected: a string or an array of parts)");
            }
        } else if (content.isArray()) {
            for (int i = 0; i < content.size(); i++) {
                JsonNode part = content.get(i);
                if (!part.isObject() || !part.path("type").isTextual()) {
                    throw Fields.invalid(where + ".content[" + i + "]", part, "an object with a string type");
                }
            }
        } else if (!content.isTextual()) {
            throw Fields.invalid(where + ".content", content, "a string or an array of parts");
        }
        JsonNode calls = message.get("tool_calls");
        if (calls != null && !calls.isNull()) {
            if (!calls.isArray()) {
                throw Fields.invalid(where + ".tool_calls", calls, "an array of tool calls");
            }
            for (int i = 0; i < calls.size(); i++) {
                JsonNode call = calls.get(i);
                boolean named = call.path("function").path("name").isTextual();
                if (!call.isObject() || !call.path("id").isTextual() || !named) {
                    throw Fields.invalid(where + ".tool_calls[" + i + "]", call,
                            "an object with a string id and function.name");
                }
            }
        }
        if ("tool".equals(role.asText()) && !message.path("tool_call_id").isTextual()) {
            throw GatewayException.badRequest(where + ".tool_call_id: missing (expected: the id of the tool call answered)");
        }
    }

    private static void tools(JsonNode tools) {
        if (!tools.isArray()) {
            throw Fields.invalid("tools", tools, "an array");
        }
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            boolean function = "function".equals(tool.path("type").asText("function"));
            if (!tool.isObject() || function && !tool.path("function").path("name").isTextual()) {
                throw Fields.invalid("tools[" + i + "]", tool, "an object with function.name");
            }
        }
    }

    private static void fieldTypes(ObjectNode body) {
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode value = field.getValue();
            if (value.isNull()) {
                continue;
            }
            if (NUMBERS.contains(field.getKey()) && !value.isNumber()) {
                throw Fields.invalid(field.getKey(), value, "a number");
            }
            if (COUNTS.contains(field.getKey()) && !Fields.count(value)) {
                throw Fields.invalid(field.getKey(), value, "a whole number of at least 1");
            }
            if ("tools".equals(field.getKey())) {
                tools(value);
            }
            if ("stop".equals(field.getKey()) && !value.isTextual() && !(value.isArray() && Fields.allText(value))) {
                throw Fields.invalid("stop", value, "a string or an array of strings");
            }
        }
    }
}
