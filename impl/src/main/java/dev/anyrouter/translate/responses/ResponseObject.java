package dev.anyrouter.translate.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.json.Json;
import java.math.BigDecimal;

/**
 * The {@code response} object of the Responses API as the gateway writes it (docs/wire-format.md, "Responses and
 * chat completions"): its id, status and output, and the request's settings it repeats. It keeps only those
 * settings of the request, not the request itself.
 */
final class ResponseObject {

    private final ObjectNode settings = Json.MAPPER.createObjectNode();
    private final long createdAt = System.currentTimeMillis() / 1000;

    /** @param request the client's Responses request */
    ResponseObject(ObjectNode request) {
        settings.set("instructions", request.path("instructions").isTextual() ? request.get("instructions") : null);
        settings.set("max_output_tokens", request.get("max_output_tokens"));
        settings.put("parallel_tool_calls", request.path("parallel_tool_calls").asBoolean(true));
        ObjectNode reasoning = settings.putObject("reasoning");
        reasoning.set("effort", request.path("reasoning").get("effort"));
        reasoning.set("summary", request.path("reasoning").get("summary"));
        settings.put("store", false);
        settings.set("temperature", request.get("temperature"));
        ObjectNode text = settings.putObject("text");
        JsonNode format = request.path("text").path("format");
        if (format.isObject()) {
            text.set("format", format);
        } else {
            text.putObject("format").put("type", "text");
        }
        settings.set("tool_choice", request.hasNonNull("tool_choice") ? request.get("tool_choice")
                : Json.MAPPER.getNodeFactory().textNode("auto"));
        settings.set("tools", request.path("tools").isArray() ? request.get("tools") : Json.MAPPER.createArrayNode());
        settings.set("top_p", request.get("top_p"));
        settings.put("truncation", "disabled");
        settings.set("metadata", request.path("metadata").isObject() ? request.get("metadata")
                : Json.MAPPER.createObjectNode());
    }

    /** The object with {@code status} and an empty output, the way the stream's first events carry it. */
    ObjectNode of(String id, String model, String status) {
        ObjectNode response = Json.MAPPER.createObjectNode().put("id", id).put("object", "response")
                .put("created_at", createdAt).put("status", status).put("background", false).putNull("error")
                .putNull("incomplete_details");
        response.set("instructions", settings.get("instructions"));
        response.set("max_output_tokens", settings.get("max_output_tokens"));
        response.put("model", model);
        response.putArray("output");
        response.set("parallel_tool_calls", settings.get("parallel_tool_calls"));
        response.putNull("previous_response_id");
        settings.fields().forEachRemaining(field -> {
            if (!response.has(field.getKey())) {
                response.set(field.getKey(), field.getValue());
            }
        });
        response.putNull("usage");
        return response;
    }

    /**
     * The status of an answer that ended with the chat finish reason {@code finish}, and of its output items:
     * {@code incomplete} when it was cut short, else {@code completed}.
     */
    static String status(String finish) {
        return "length".equals(finish) || "content_filter".equals(finish) ? "incomplete" : "completed";
    }

    /** Why an answer is incomplete, for {@code incomplete_details}; {@code null} when it is complete. */
    static ObjectNode incomplete(String finish) {
        return switch (finish == null ? "" : finish) {
            case "length" -> Json.MAPPER.createObjectNode().put("reason", "max_output_tokens");
            case "content_filter" -> Json.MAPPER.createObjectNode().put("reason", "content_filter");
            default -> null;
        };
    }

    /** A chat {@code usage} object as the Responses API's, with the gateway's {@code cost}. */
    static ObjectNode usage(JsonNode chat, BigDecimal cost) {
        long input = chat.path("prompt_tokens").asLong(0);
        long output = chat.path("completion_tokens").asLong(0);
        ObjectNode usage = Json.MAPPER.createObjectNode().put("input_tokens", input);
        usage.putObject("input_tokens_details")
                .put("cached_tokens", chat.path("prompt_tokens_details").path("cached_tokens").asLong(0));
        usage.put("output_tokens", output);
        usage.putObject("output_tokens_details")
                .put("reasoning_tokens", chat.path("completion_tokens_details").path("reasoning_tokens").asLong(0));
        usage.put("total_tokens", chat.path("total_tokens").asLong(input + output));
        usage.put("cost", cost);
        return usage;
    }

    /** The {@code error} of a failed response: a code and a message. */
    static ObjectNode error(GatewayException failure) {
        String code = failure.status() == 429 ? "rate_limit_exceeded" : "server_error";
        return Json.MAPPER.createObjectNode().put("code", code).put("message", failure.getMessage());
    }
}
