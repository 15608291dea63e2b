package dev.anyrouter.translate.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.FinishReasons;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.api.spi.Tally;
import dev.anyrouter.json.Json;
import dev.anyrouter.translate.ChatChunks;
import java.io.IOException;

/**
 * A whole chat completion as a Responses {@code response} object: reasoning, the message (its text and any refusal)
 * and each tool call as output items, the status from the finish reason, usage with cost, and {@code output_text}
 * (all the message text, as OpenAI's SDKs offer it).
 */
final class ChatCompletionToResponse {

    private ChatCompletionToResponse() {
    }

    static String translate(String json, Destination route, Tally generation, ResponseObject shape)
            throws IOException {
        JsonNode body = ChatChunks.read(json, route, "");
        JsonNode choice = body.path("choices").path(0);
        JsonNode reply = choice.path("message");
        String finish = choice.path("finish_reason").asText(FinishReasons.STOP);
        String model = body.path("model").asText("");
        ObjectNode response = shape.of(generation.id(), model.isBlank() ? route.upstreamModel() : model,
                ResponseObject.status(finish));
        response.set("incomplete_details", ResponseObject.incomplete(finish));
        ArrayNode output = response.putArray("output");
        String itemStatus = ResponseObject.status(finish); // an answer cut short leaves its items incomplete
        StringBuilder delivered = new StringBuilder();
        String reasoning = reply.path("reasoning").asText(reply.path("reasoning_content").asText(""));
        if (!reasoning.isEmpty()) {
            OutputItem item = OutputItem.reasoning(itemId("rs", generation, output), output.size());
            item.append(reasoning);
            item.close(itemStatus);
            output.add(item.closed());
            delivered.append(reasoning);
        }
        String text = reply.path("content").asText("");
        String refusal = reply.path("refusal").asText("");
        if (!text.isEmpty() || !refusal.isEmpty()) {
            OutputItem item = OutputItem.message(itemId("msg", generation, output), output.size());
            part(item, OutputItem.TEXT, text);
            part(item, OutputItem.REFUSAL, refusal);
            item.close(itemStatus);
            output.add(item.closed());
            delivered.append(text).append(refusal);
        }
        for (JsonNode call : reply.path("tool_calls")) {
            JsonNode given = call.path("function").path("arguments");
            String arguments = given.isObject() ? given.toString() : given.asText("");
            OutputItem item = OutputItem.functionCall(itemId("fc", generation, output), output.size(),
                    call.path("id").asText(), call.path("function").path("name").asText());
            item.append(arguments);
            item.close(itemStatus);
            output.add(item.closed());
            delivered.append(arguments);
        }
        JsonNode usage = body.path("usage");
        generation.servedModel(model.isBlank() ? null : model);
        generation.delivered(delivered);
        generation.finishReason(finish);
        generation.usage(usage.path("prompt_tokens").isNumber() ? usage.path("prompt_tokens").asLong() : null,
                usage.path("completion_tokens").isNumber() ? usage.path("completion_tokens").asLong() : null);
        response.set("usage", ResponseObject.usage(usage, generation.cost()));
        response.put("output_text", text);
        return Json.write(response);
    }

    private static void part(OutputItem message, String type, String text) {
        if (!text.isEmpty()) {
            message.openPart(type);
            message.append(text);
            message.closePart();
        }
    }

    private static String itemId(String prefix, Tally generation, ArrayNode output) {
        return prefix + "_" + generation.id().substring(4) + "_" + output.size();
    }
}
