package dev.anyrouter.simulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.FinishReasons;
import dev.anyrouter.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Renders a {@link Script} in the Messages API's wire format (docs/wire-format.md section 3): the named events of a
 * stream — {@code message_start}, one content block (text or {@code tool_use}), {@code message_delta} with the
 * stop reason and usage, {@code message_stop} — or one whole {@code message}.
 */
final class MessagesAnswer {

    /** Events sent together before the first piece: {@code message_start} and {@code content_block_start}. */
    static final int LEAD = 2;

    private final String id = "msg_sim_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    private final String model;
    private final Script script;
    private final long inputTokens;
    private final long outputTokens;

    MessagesAnswer(String model, Script script, long inputTokens, long outputTokens) {
        this.model = model;
        this.script = script;
        this.inputTokens = inputTokens;
        this.outputTokens = outputTokens;
    }

    List<SimulatedStream.Event> events() {
        List<SimulatedStream.Event> events = new ArrayList<>();
        ObjectNode start = Json.MAPPER.createObjectNode().put("type", "message_start");
        ObjectNode message = start.putObject("message").put("id", id).put("type", "message").put("role", "assistant");
        message.putArray("content");
        message.put("model", model).putNull("stop_reason").putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", inputTokens).put("output_tokens", 1);
        events.add(event(start));
        ObjectNode blockStart = Json.MAPPER.createObjectNode().put("type", "content_block_start").put("index", 0);
        if (script.toolName() == null) {
            blockStart.putObject("content_block").put("type", "text").put("text", "");
        } else {
            blockStart.putObject("content_block").put("type", "tool_use").put("id", toolUseId())
                    .put("name", script.toolName()).putObject("input");
        }
        events.add(event(blockStart));
        for (String piece : script.pieces()) {
            ObjectNode delta = Json.MAPPER.createObjectNode().put("type", "content_block_delta").put("index", 0);
            if (script.toolName() == null) {
                delta.putObject("delta").put("type", "text_delta").put("text", piece);
            } else {
                delta.putObject("delta").put("type", "input_json_delta").put("partial_json", piece);
            }
            events.add(event(delta));
        }
        events.add(event(Json.MAPPER.createObjectNode().put("type", "content_block_stop").put("index", 0)));
        ObjectNode messageDelta = Json.MAPPER.createObjectNode().put("type", "message_delta");
        messageDelta.putObject("delta").put("stop_reason", stopReason()).putNull("stop_sequence");
        messageDelta.putObject("usage").put("output_tokens", outputTokens);
        events.add(event(messageDelta));
        events.add(event(Json.MAPPER.createObjectNode().put("type", "message_stop")));
        return events;
    }

    /** The {@code event: error} of a failing stream. */
    SimulatedStream.Event error(String text) {
        ObjectNode error = Json.MAPPER.createObjectNode().put("type", "error");
        error.putObject("error").put("type", "api_error").put("message", text);
        return event(error);
    }

    String completion() {
        ObjectNode message = Json.MAPPER.createObjectNode().put("id", id).put("type", "message")
                .put("role", "assistant").put("model", model);
        ObjectNode block = message.putArray("content").addObject();
        if (script.toolName() == null) {
            block.put("type", "text").put("text", script.text());
        } else {
            block.put("type", "tool_use").put("id", toolUseId()).put("name", script.toolName());
            block.set("input", Json.read(script.text()));
        }
        message.put("stop_reason", stopReason()).putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", inputTokens).put("output_tokens", outputTokens);
        return Json.write(message);
    }

    private String stopReason() {
        return switch (script.finishReason()) {
            case FinishReasons.LENGTH -> "max_tokens";
            case FinishReasons.TOOL_CALLS -> "tool_use";
            default -> "end_turn";
        };
    }

    private String toolUseId() {
        return "toolu_sim_" + id.substring(id.length() - 8);
    }

    private static SimulatedStream.Event event(ObjectNode data) {
        return new SimulatedStream.Event(data.path("type").asText(), Json.write(data));
    }
}
