package dev.anyrouter.translate.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.FinishReasons;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.api.spi.Tally;
import dev.anyrouter.json.Json;
import dev.anyrouter.translate.AnthropicEvents;
import dev.anyrouter.translate.StopReasons;
import java.io.IOException;

/**
 * A whole (non-streamed) chat completion as a Messages API message (docs/wire-format.md section 4): reasoning as a
 * thinking block, the text, each tool call a {@code tool_use} block with its arguments parsed; the stop reason and
 * usage, reported to the request's {@link Tally}.
 */
final class OpenAiCompletionToMessage {

    private OpenAiCompletionToMessage() {
    }

    static String translate(String json, Destination route, Tally generation) throws IOException {
        JsonNode body = AnthropicEvents.read(json);
        if (body.hasNonNull("error")) {
            throw GatewayException.upstream("upstream '" + route.provider() + "' failed: "
                    + route.scrub(body.path("error").path("message").asText("unknown error")),
                    null);
        }
        JsonNode choice = body.path("choices").path(0);
        JsonNode reply = choice.path("message");
        ObjectNode message = Json.MAPPER.createObjectNode().put("id", generation.id()).put("type", "message")
                .put("role", "assistant").put("model", body.path("model").asText(route.upstreamModel()));
        ArrayNode content = message.putArray("content");
        StringBuilder delivered = new StringBuilder();
        String reasoning = reply.path("reasoning").asText(reply.path("reasoning_content").asText(""));
        if (!reasoning.isEmpty()) {
            content.addObject().put("type", "thinking").put("thinking", reasoning).put("signature", "");
            delivered.append(reasoning);
        }
        if (reply.path("content").isTextual() && !reply.path("content").asText().isEmpty()) {
            content.addObject().put("type", "text").put("text", reply.path("content").asText());
            delivered.append(reply.path("content").asText());
        }
        for (JsonNode call : reply.path("tool_calls")) {
            JsonNode given = call.path("function").path("arguments");
            String arguments = given.isObject() ? given.toString() : given.asText("");
            JsonNode input;
            try {
                input = arguments.isBlank() ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(arguments);
            } catch (IOException e) {
                throw GatewayException.upstream("upstream '" + route.provider() + "' returned tool "
                        + "arguments that are not JSON", e);
            }
            ObjectNode block = content.addObject().put("type", "tool_use").put("id", call.path("id").asText())
                    .put("name", call.path("function").path("name").asText());
            block.set("input", input);
            delivered.append(arguments);
        }
        String stopReason = StopReasons.stopReason(choice.path("finish_reason").asText(FinishReasons.STOP),
                reply.path("tool_calls").size() > 0);
        message.put("stop_reason", stopReason).putNull("stop_sequence");
        JsonNode usage = body.path("usage");
        generation.servedModel(body.path("model").asText(null));
        generation.delivered(delivered);
        generation.finishReason(stopReason);
        generation.usage(usage.path("prompt_tokens").isNumber() ? usage.path("prompt_tokens").asLong() : null,
                usage.path("completion_tokens").isNumber() ? usage.path("completion_tokens").asLong() : null);
        message.putObject("usage").put("input_tokens", usage.path("prompt_tokens").asLong(0))
                .put("output_tokens", usage.path("completion_tokens").asLong(0))
                .put("cost", generation.cost());
        return Json.write(message);
    }
}
