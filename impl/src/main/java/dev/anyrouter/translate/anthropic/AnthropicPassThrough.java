package dev.anyrouter.translate.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.api.spi.Emitter;
import dev.anyrouter.api.spi.StreamCodec;
import dev.anyrouter.api.spi.Tally;
import dev.anyrouter.json.Json;
import dev.anyrouter.translate.AnthropicEvents;
import java.io.IOException;

/**
 * An Anthropic upstream answering a Messages client: every event passes as it came, except that the message id
 * in {@code message_start} (and in a whole answer) becomes the generation id (docs/wire-format.md section 3).
 */
final class AnthropicPassThrough implements StreamCodec {

    private final Destination route;
    private final Tally generation;
    private boolean stopped;

    AnthropicPassThrough(Destination route, Tally generation) {
        this.route = route;
        this.generation = generation;
    }

    @Override
    public boolean event(String name, String data, Emitter out) throws IOException {
        JsonNode event = AnthropicEvents.read(data);
        String type = event.path("type").asText(name == null ? "" : name);
        switch (type) {
            case "message_start" -> {
                JsonNode message = event.path("message");
                if (!message.isObject()) {
                    throw new IOException("message_start without a message");
                }
                ((ObjectNode) message).put("id", generation.id());
                generation.servedModel(message.path("model").asText(null));
                // its output_tokens is provisional: only the input count is final here
                generation.usage(AnthropicEvents.inputTokens(message.path("usage")), null);
                out.send(type, Json.write(event));
                return false;
            }
            case "content_block_delta" -> {
                if (!out.send(type, data)) {
                    return false;
                }
                generation.delivered(AnthropicEvents.deltaText(event.path("delta")));
                return false;
            }
            case "message_delta" -> {
                usage(event.path("usage"));
                if (!out.send(type, withCost(event, data))) {
                    return false;
                }
                String reason = event.path("delta").path("stop_reason").asText(null);
                if (reason != null) {
                    stopped = true;
                    generation.finishReason(reason);
                }
                return false;
            }
            case "message_stop" -> {
                out.send(type, data);
                return true;
            }
            case "error" -> throw AnthropicEvents.error(event, route, " mid-stream");
            default -> {
                // ping, content_block_start/stop, and event types newer than this code; named by their type, as the
                // SDKs route events by name even when the upstream sent none
                out.send(type.isEmpty() ? name : type, data);
                return false;
            }
        }
    }

    @Override
    public boolean end(Emitter out) {
        if (!stopped) {
            return false;
        }
        out.send("message_stop", "{\"type\":\"message_stop\"}");
        return true;
    }

    @Override
    public void fail(GatewayException failure, Emitter out) {
        AnthropicEvents.fail(failure, out);
    }

    @Override
    public String completion(String json) throws IOException {
        JsonNode message = AnthropicEvents.read(json);
        if ("error".equals(message.path("type").asText())) {
            throw AnthropicEvents.error(message, route, "");
        }
        ((ObjectNode) message).put("id", generation.id());
        generation.servedModel(message.path("model").asText(null));
        StringBuilder text = new StringBuilder();
        for (JsonNode block : message.path("content")) {
            text.append(AnthropicEvents.blockText(block));
        }
        generation.delivered(text);
        generation.finishReason(message.path("stop_reason").asText(null));
        usage(message.path("usage"));
        return withCost(message, json);
    }

    /** The event or message with {@code usage.cost} added, when it has usage; else {@code data} as it came. */
    private String withCost(JsonNode node, String data) {
        if (!node.path("usage").isObject()) {
            return data;
        }
        ((ObjectNode) node.path("usage")).put("cost", generation.cost());
        return Json.write(node);
    }

    private void usage(JsonNode usage) {
        generation.usage(AnthropicEvents.inputTokens(usage), AnthropicEvents.outputTokens(usage));
    }
}
