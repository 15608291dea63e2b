package dev.anyrouter.translate.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.api.spi.Tally;
import dev.anyrouter.json.Json;
import dev.anyrouter.translate.AnthropicEvents;
import java.io.IOException;

/**
 * A whole Responses {@code response} object as a {@code chat.completion} (docs/wire-format.md, "A Responses upstream
 * answering a chat-completions client"): the message items' text is the {@code content} and their refusal parts the
 * {@code refusal}, the reasoning items' summaries (or reasoning text) the {@code reasoning}, each
 * {@code function_call} item a tool call; the finish reason comes from the status, usage gets the cost.
 */
final class ResponseToChatCompletion {

    private ResponseToChatCompletion() {
    }

    static String translate(String json, Destination route, Tally generation) throws IOException {
        JsonNode response = AnthropicEvents.read(json);
        if (response.hasNonNull("error")) {
            throw UpstreamResponse.failure(response.path("error"), route, "");
        }
        String model = response.path("model").asText("").isBlank() ? route.upstreamModel()
                : response.path("model").asText();
        StringBuilder text = new StringBuilder();
        StringBuilder refusal = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        ArrayNode calls = Json.MAPPER.createArrayNode();
        for (JsonNode item : response.path("output")) {
            switch (item.path("type").asText()) {
                case "message" -> {
                    for (JsonNode part : item.path("content")) {
                        text.append(part.path("type").asText().equals("output_text") ? part.path("text").asText() : "");
                        refusal.append(part.path("refusal").asText(""));
                    }
                }
                case "reasoning" -> {
                    JsonNode pieces = item.path("summary").isEmpty() ? item.path("content") : item.path("summary");
                    for (JsonNode piece : pieces) {
                        reasoning.append(reasoning.length() > 0 ? "\n\n" : "").append(piece.path("text").asText());
                    }
                }
                case "function_call" -> {
                    ObjectNode call = calls.addObject().put("id", item.path("call_id").asText())
                            .put("type", "function");
                    call.putObject("function").put("name", item.path("name").asText())
                            .put("arguments", item.path("arguments").asText());
                }
                default -> {
                    // built-in tool calls and newer item types have no chat-completions form
                }
            }
        }
        String finish = UpstreamResponse.finishReason(response, !calls.isEmpty());
        generation.servedModel(model);
        UpstreamResponse.report(generation, response.path("usage"));
        generation.finishReason(finish);
        generation.delivered(new StringBuilder(text).append(reasoning).append(refusal));
        calls.forEach(call -> generation.delivered(call.path("function").path("arguments").asText()));

        ObjectNode body = Json.MAPPER.createObjectNode().put("id", generation.id()).put("object", "chat.completion")
                .put("created", response.path("created_at").asLong(System.currentTimeMillis() / 1000))
                .put("model", model);
        ObjectNode choice = body.putArray("choices").addObject().put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        boolean textless = text.length() == 0 && (!calls.isEmpty() || refusal.length() > 0);
        message.put("content", textless ? null : text.toString());
        message.put("refusal", refusal.length() == 0 ? null : refusal.toString());
        if (reasoning.length() > 0) {
            message.put("reasoning", reasoning.toString());
        }
        if (!calls.isEmpty()) {
            message.set("tool_calls", calls);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finish);
        body.set("usage", UpstreamResponse.chatUsage(response.path("usage"), generation.cost()));
        return Json.write(body);
    }
}
