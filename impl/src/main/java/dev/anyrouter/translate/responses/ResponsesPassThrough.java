package dev.anyrouter.translate.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.api.spi.Emitter;
import dev.anyrouter.api.spi.StreamCodec;
import dev.anyrouter.api.spi.Tally;
import dev.anyrouter.json.Json;
import dev.anyrouter.translate.AnthropicEvents;
import dev.anyrouter.translate.UsageCost;
import java.io.IOException;
import java.util.Set;

/**
 * An upstream that speaks the Responses API answering a Responses client (docs/wire-format.md, "A Responses
 * upstream"): every event passes byte for byte, except that the upstream's response id becomes the generation id and
 * the last event's {@code usage} gains the gateway's {@code cost}. It reads each event for billing: the text of
 * every delta, the served model, the usage and how the answer ended. A {@code response.failed} or {@code error}
 * event ends the stream with the gateway's own {@code response.failed}, whose message hides the provider's keys.
 */
public final class ResponsesPassThrough implements StreamCodec {

    /** The events whose {@code delta} is text the client receives. */
    private static final Set<String> DELTAS = Set.of("response.output_text.delta", "response.refusal.delta",
            "response.function_call_arguments.delta", "response.reasoning_summary_text.delta",
            "response.reasoning_text.delta", "response.custom_tool_call_input.delta");

    private final Destination route;
    private final Tally generation;
    private String upstreamId;
    private ObjectNode lastResponse;
    private long sequence = -1;
    private boolean ended;

    public ResponsesPassThrough(Destination route, Tally generation) {
        this.route = route;
        this.generation = generation;
    }

    @Override
    public boolean event(String name, String data, Emitter out) throws IOException {
        JsonNode event = AnthropicEvents.read(data);
        String type = event.path("type").asText(name == null ? "" : name);
        JsonNode response = event.path("response");
        if (response.isObject()) {
            if (upstreamId == null && response.path("id").isTextual()) {
                upstreamId = response.path("id").asText();
                generation.servedModel(response.path("model").asText(null));
            }
            lastResponse = (ObjectNode) response;
        }
        switch (type) {
            case "error" -> throw failure(event.path("message").asText(event.path("error").path("message")
                    .asText("unknown error")));
            case "response.failed" -> throw failure(response.path("error").path("message").asText("unknown error"));
            default -> {
                // relayed below
            }
        }
        sequence = event.path("sequence_number").asLong(sequence + 1);
        boolean last = type.equals("response.completed") || type.equals("response.incomplete");
        if (last) {
            account(response);
        }
        String relayed = response.isObject() ? withId(data) : data; // the id stands in the response object only
        if (out.send(name, last ? UsageCost.add(relayed, generation.cost(), "response") : relayed)
                && DELTAS.contains(type)) {
            generation.delivered(event.path("delta").asText(""));
        }
        ended = last;
        return last;
    }

    @Override
    public boolean end(Emitter out) {
        return ended;
    }

    @Override
    public void fail(GatewayException failure, Emitter out) {
        ObjectNode response = lastResponse != null ? lastResponse.deepCopy() : Json.MAPPER.createObjectNode();
        response.put("id", generation.id()).put("status", "failed");
        response.set("error", ResponseObject.error(failure));
        ObjectNode event = Json.MAPPER.createObjectNode().put("type", "response.failed");
        event.set("response", response);
        event.put("sequence_number", sequence + 1);
        out.send("response.failed", Json.write(event));
    }

    @Override
    public String completion(String json) throws IOException {
        JsonNode response = AnthropicEvents.read(json);
        if (response.path("error").isObject() || "failed".equals(response.path("status").asText())) {
            throw failure(response.path("error").path("message").asText("unknown error"));
        }
        upstreamId = response.path("id").asText(null);
        generation.servedModel(response.path("model").asText(null));
        StringBuilder text = new StringBuilder();
        for (JsonNode item : response.path("output")) {
            text.append(item.path("arguments").asText(""));
            for (JsonNode part : item.path("content")) {
                text.append(part.path("text").asText("")).append(part.path("refusal").asText(""));
            }
            for (JsonNode summary : item.path("summary")) {
                text.append(summary.path("text").asText(""));
            }
        }
        generation.delivered(text);
        account(response);
        return UsageCost.add(withId(json), generation.cost());
    }

    /** The finish reason and usage of a finished response, in the ledger's terms (chat's finish reasons). */
    private void account(JsonNode response) {
        boolean called = false;
        for (JsonNode item : response.path("output")) {
            called |= item.path("type").asText().endsWith("_call");
        }
        String reason = response.path("incomplete_details").path("reason").asText("");
        generation.finishReason(switch (response.path("status").asText()) {
            case "incomplete" -> "content_filter".equals(reason) ? "content_filter" : "length";
            default -> called ? "tool_calls" : "stop";
        });
        JsonNode usage = response.path("usage");
        generation.usage(usage.path("input_tokens").isNumber() ? usage.path("input_tokens").asLong() : null,
                usage.path("output_tokens").isNumber() ? usage.path("output_tokens").asLong() : null);
    }

    /** {@code data} with the upstream's response id, wherever it stands as a string, replaced by the generation's. */
    private String withId(String data) {
        return upstreamId == null ? data : data.replace("\"" + upstreamId + "\"", "\"" + generation.id() + "\"");
    }

    private GatewayException failure(String message) {
        return GatewayException.upstream("upstream '" + route.provider() + "' failed: " + route.scrub(message), null);
    }
}
