package dev.anyrouter.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.FinishReasons;
import dev.anyrouter.json.Json;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The deterministic answer to one request. "Count to N" is answered "1, 2, …, N", one number per chunk; a request
 * with tools calls the chosen (or first) tool with arguments made from its schema's required properties (unless
 * its last message hands back a tool's result);
 * anything else gets a fixed text of the configured number of chunks. {@code max_tokens} cuts the answer short
 * with {@code finish_reason "length"} (one chunk counts as one token here).
 *
 * @param pieces       the content (or tool-argument) pieces, one per chunk
 * @param toolName     the function called, or {@code null} for a text answer
 * @param finishReason the finish reason
 */
record Script(List<String> pieces, String toolName, String finishReason) {

    private static final Pattern COUNT = Pattern.compile("(?i)count\\s+to\\s+(\\d{1,6})");
    private static final String[] WORDS = ("This is a simulated answer from the AnyRouter built-in upstream."
            + " It streams one word per chunk so that clients, tests and benchmarks see a real stream.").split(" ");

    static Script of(ObjectNode request, Knobs knobs) {
        Script script = toolCall(request).orElseGet(() -> text(lastUserText(request), knobs.chunks()));
        int limit = maxTokens(request);
        if (script.toolName == null && script.pieces.size() > limit) {
            return new Script(script.pieces.subList(0, limit), null, FinishReasons.LENGTH);
        }
        return script;
    }

    String text() {
        return String.join("", pieces);
    }

    private static Script text(String prompt, int chunks) {
        List<String> pieces = new ArrayList<>();
        Matcher count = COUNT.matcher(prompt);
        if (count.find()) {
            int n = Math.min(Integer.parseInt(count.group(1)), 100_000);
            for (int i = 1; i <= n; i++) {
                pieces.add(i == 1 ? "1" : ", " + i);
            }
        } else {
            for (int i = 0; i < chunks; i++) {
                pieces.add((i == 0 ? "" : " ") + WORDS[i % WORDS.length]);
            }
        }
        return new Script(pieces, null, FinishReasons.STOP);
    }

    private static java.util.Optional<Script> toolCall(ObjectNode request) {
        JsonNode tools = request.path("tools");
        JsonNode choice = request.path("tool_choice");
        if (!tools.isArray() || tools.isEmpty() || "none".equals(choice.asText())
                || "none".equals(choice.path("type").asText()) || answersToolResult(request)) {
            return java.util.Optional.empty();
        }
        // OpenAI: {"function": {"name": …}}; Anthropic: {"type": "tool", "name": …}
        String chosen = choice.path("function").path("name").asText(choice.path("name").asText(null));
        JsonNode tool = tools.get(0);
        for (JsonNode candidate : tools) {
            if (toolName(candidate).equals(chosen)) {
                tool = candidate;
            }
        }
        String name = toolName(tool);
        String arguments = Json.write(arguments(tool.has("function") ? tool.path("function").path("parameters")
                : tool.path("input_schema")));
        int third = Math.max(1, arguments.length() / 3);
        List<String> pieces = List.of(arguments.substring(0, third), arguments.substring(third, 2 * third),
                arguments.substring(2 * third));
        return java.util.Optional.of(new Script(pieces, name, FinishReasons.TOOL_CALLS));
    }

    private static String toolName(JsonNode tool) {
        return tool.path("function").path("name").asText(tool.path("name").asText("tool"));
    }

    /** True when the last message hands back a tool's result: the answer is then text, not another call. */
    private static boolean answersToolResult(ObjectNode request) {
        JsonNode messages = request.path("messages");
        if (messages.isEmpty()) {
            return false;
        }
        JsonNode last = messages.get(messages.size() - 1);
        if ("tool".equals(last.path("role").asText())) {
            return true;
        }
        for (JsonNode block : last.path("content")) {
            if ("tool_result".equals(block.path("type").asText())) {
                return true;
            }
        }
        return false;
    }

    private static ObjectNode arguments(JsonNode schema) {
        ObjectNode arguments = Json.MAPPER.createObjectNode();
        for (JsonNode required : schema.path("required")) {
            String type = schema.path("properties").path(required.asText()).path("type").asText("string");
            switch (type) {
                case "integer", "number" -> arguments.put(required.asText(), 1);
                case "boolean" -> arguments.put(required.asText(), true);
                default -> arguments.put(required.asText(), "simulated");
            }
        }
        return arguments;
    }

    private static String lastUserText(ObjectNode request) {
        String text = "";
        for (JsonNode message : request.path("messages")) {
            if ("user".equals(message.path("role").asText())) {
                text = contentText(message.path("content"));
            }
        }
        return text;
    }

    /** The text of a message's content: a string, or the text parts of an array. */
    static String contentText(JsonNode content) {
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            text.append(part.path("text").asText(""));
        }
        return text.toString();
    }

    private static int maxTokens(ObjectNode request) {
        for (Iterator<Map.Entry<String, JsonNode>> it = request.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            if (("max_tokens".equals(field.getKey()) || "max_completion_tokens".equals(field.getKey()))
                    && field.getValue().canConvertToInt()) {
                return Math.max(1, field.getValue().asInt());
            }
        }
        return Integer.MAX_VALUE;
    }
}
