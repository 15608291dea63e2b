package dev.anyrouter.translate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.MessagesError;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.api.spi.Emitter;
import dev.anyrouter.json.Json;
import java.io.IOException;
import java.util.Optional;

/** Reading the parts of Messages API events and answers the gateway accounts on. */
public final class AnthropicEvents {

    private AnthropicEvents() {
    }

    /** An event's data (or a whole answer) as a JSON object; an {@link IOException} when it is not one. */
    public static JsonNode read(String json) throws IOException {
        JsonNode node = Json.MAPPER.readTree(json);
        if (node == null || !node.isObject()) {
            throw new IOException("not a JSON object");
        }
        return node;
    }

    /**
     * The failure an Anthropic error object ({@code {"type":"error","error":{"type","message"}}}, mid-stream or as
     * a whole answer) stands for: an overload stays an overload (503), a rate limit a 429, the rest a 502.
     */
    public static GatewayException error(JsonNode body, Destination route, String when) {
        JsonNode error = body.path("error");
        String message = "upstream '" + route.provider() + "' failed" + when + ": "
                + route.scrub(error.path("message").asText("unknown error"));
        return switch (error.path("type").asText()) {
            case "overloaded_error" -> GatewayException.upstream(503, ErrorTypes.OVERLOADED, message, Optional.empty(),
                    null, false);
            case "rate_limit_error" -> GatewayException.upstream(429, ErrorTypes.RATE_LIMIT, message, Optional.empty(),
                    null, false);
            default -> GatewayException.upstream(message, null);
        };
    }

    /** The text a {@code content_block_delta} adds: answer text, thinking, or a piece of tool input JSON. */
    public static String deltaText(JsonNode delta) {
        return switch (delta.path("type").asText("")) {
            case "text_delta" -> delta.path("text").asText("");
            case "thinking_delta" -> delta.path("thinking").asText("");
            case "input_json_delta" -> delta.path("partial_json").asText("");
            default -> "";
        };
    }

    /** The text of one content block of a whole answer. */
    public static String blockText(JsonNode block) {
        return switch (block.path("type").asText("")) {
            case "text" -> block.path("text").asText("");
            case "thinking" -> block.path("thinking").asText("");
            case "tool_use" -> block.path("input").toString();
            default -> "";
        };
    }

    /** Prompt tokens: {@code input_tokens} plus cache reads and writes; {@code null} when not reported. */
    public static Long inputTokens(JsonNode usage) {
        JsonNode input = usage.path("input_tokens");
        if (!input.isNumber()) {
            return null;
        }
        return input.asLong() + usage.path("cache_creation_input_tokens").asLong(0)
                + usage.path("cache_read_input_tokens").asLong(0);
    }

    /** {@code output_tokens} (cumulative in {@code message_delta}); {@code null} when not reported. */
    public static Long outputTokens(JsonNode usage) {
        JsonNode output = usage.path("output_tokens");
        return output.isNumber() ? output.asLong() : null;
    }

    /** Reports a failure after a Messages stream started: one {@code error} event. */
    public static void fail(GatewayException failure, Emitter out) {
        out.send("error", Json.write(MessagesError.of(failure.status(), failure.getMessage())));
    }
}
