package dev.anyrouter.translate.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.FinishReasons;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.api.spi.Tally;
import dev.anyrouter.json.Json;
import java.math.BigDecimal;

/**
 * What a chat-completions client gets from a Responses upstream's {@code response} object, streamed
 * ({@link ResponsesToChatChunks}) or whole ({@link ResponseToChatCompletion}): its finish reason, its usage in chat
 * terms, and its error as a failure.
 */
final class UpstreamResponse {

    private UpstreamResponse() {
    }

    /**
     * The chat finish reason of a finished response: for an incomplete one {@code content_filter} when a filter cut
     * it, else {@code length}; for a complete one {@code tool_calls} when it called tools, else {@code stop}.
     */
    static String finishReason(JsonNode response, boolean calledTools) {
        if ("incomplete".equals(response.path("status").asText())) {
            return "content_filter".equals(response.path("incomplete_details").path("reason").asText())
                    ? FinishReasons.CONTENT_FILTER : FinishReasons.LENGTH;
        }
        return calledTools ? FinishReasons.TOOL_CALLS : FinishReasons.STOP;
    }

    /** Reports a finished response's {@code usage} to the tally; a missing count stays {@code null}. */
    static void report(Tally generation, JsonNode usage) {
        generation.usage(usage.path("input_tokens").isIntegralNumber() ? usage.path("input_tokens").asLong() : null,
                usage.path("output_tokens").isIntegralNumber() ? usage.path("output_tokens").asLong() : null);
    }

    /** The Responses {@code usage} as a chat-completions one, with the gateway's {@code cost}. */
    static ObjectNode chatUsage(JsonNode usage, BigDecimal cost) {
        long prompt = usage.path("input_tokens").asLong(0);
        long completion = usage.path("output_tokens").asLong(0);
        ObjectNode out = Json.MAPPER.createObjectNode().put("prompt_tokens", prompt)
                .put("completion_tokens", completion)
                .put("total_tokens", usage.path("total_tokens").asLong(prompt + completion));
        out.putObject("prompt_tokens_details")
                .put("cached_tokens", usage.path("input_tokens_details").path("cached_tokens").asLong(0));
        out.putObject("completion_tokens_details")
                .put("reasoning_tokens", usage.path("output_tokens_details").path("reasoning_tokens").asLong(0));
        return out.put("cost", cost);
    }

    /**
     * The failure an upstream error stands for: the {@code error} of a failed response, or an {@code error} event
     * (its message at the top level, or in an {@code error} object). Always a 502.
     */
    static GatewayException failure(JsonNode error, Destination route, String when) {
        JsonNode message = error.path("error").isObject() ? error.path("error").path("message") : error.path("message");
        return GatewayException.upstream("upstream '" + route.provider() + "' failed" + when + ": "
                + route.scrub(message.asText("unknown error")), null);
    }
}
