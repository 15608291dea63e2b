package dev.anyrouter.translate.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.json.Json;
import java.util.regex.Pattern;

/**
 * OpenAI's {@code response_format} {@code json_schema} or {@code json_object} towards an Anthropic model: one tool
 * whose {@code input_schema} is the schema, forced with {@code tool_choice}, so the model's answer is that tool's
 * input; {@link AnthropicToOpenAi} turns it back into the assistant's text (docs/api.md, structured output). A
 * forced tool works on every Claude model without a beta header, which Anthropic's own structured outputs need.
 */
final class StructuredOutput {

    /** Anthropic's rule for tool names, which OpenAI's schema names share. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    /** The tool's name when the client named no schema, and for {@code json_object}. */
    private static final String DEFAULT_NAME = "json_answer";

    private StructuredOutput() {
    }

    /** Whether the request asks for a JSON answer, which then comes as the forced tool's input. */
    static boolean asked(JsonNode chat) {
        String type = chat.path("response_format").path("type").asText();
        return type.equals("json_schema") || type.equals("json_object");
    }

    /** Checks the {@code response_format} and, when it asks for JSON, gives {@code out} the forced tool. */
    static void apply(JsonNode chat, ObjectNode out) {
        JsonNode format = chat.path("response_format");
        String type = format.path("type").asText("");
        if (type.equals("text") || format.isMissingNode() || format.isNull()) {
            return;
        }
        if (!asked(chat)) {
            throw ChatToAnthropicRequest.unsupported("response_format: " + describe(format)
                    + " (expected: an object whose type is \"text\", \"json_schema\" or \"json_object\")");
        }
        if (chat.path("tools").size() > 0) {
            throw ChatToAnthropicRequest.unsupported("response_format " + type + " with tools (the JSON answer "
                    + "comes as a forced tool, so the model could call no other; ask for the JSON in the prompt)");
        }
        ObjectNode tool = type.equals("json_object") ? tool(DEFAULT_NAME, "Respond with a JSON object.",
                Json.MAPPER.createObjectNode().put("type", "object")) : schemaTool(format.path("json_schema"));
        out.putArray("tools").add(tool);
        out.putObject("tool_choice").put("type", "tool").put("name", tool.path("name").asText());
    }

    private static ObjectNode schemaTool(JsonNode spec) {
        if (!spec.isObject()) {
            throw ChatToAnthropicRequest.unsupported("response_format.json_schema: " + describe(spec)
                    + " (expected: an object with name and schema)");
        }
        String name = spec.path("name").asText(DEFAULT_NAME);
        if (!NAME.matcher(name).matches()) {
            throw ChatToAnthropicRequest.unsupported("response_format.json_schema.name: " + describe(spec.get("name"))
                    + " (expected: 1 to 64 letters, digits, _ or -)");
        }
        JsonNode schema = spec.path("schema");
        if (!schema.isObject() || !"object".equals(schema.path("type").asText())) {
            throw ChatToAnthropicRequest.unsupported("response_format.json_schema.schema: "
                    + describe(spec.get("schema")) + " (expected: a JSON schema of type object; Anthropic models "
                    + "answer it as a tool input, which is an object)");
        }
        String description = spec.path("description").asText("");
        return tool(name, "Respond with a JSON object that matches this schema." + (description.isEmpty() ? ""
                : " " + description), schema);
    }

    private static ObjectNode tool(String name, String description, JsonNode schema) {
        ObjectNode tool = Json.MAPPER.createObjectNode().put("name", name).put("description", description);
        tool.set("input_schema", schema);
        return tool;
    }

    private static String describe(JsonNode value) {
        if (value == null || value.isMissingNode()) {
            return "missing";
        }
        String text = value.toString();
        return text.length() > 60 ? text.substring(0, 60) + "…" : text;
    }
}
