package dev.anyrouter.translate.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.api.spi.Emitter;
import dev.anyrouter.api.spi.StreamCodec;
import dev.anyrouter.api.spi.Tally;
import dev.anyrouter.json.Json;
import dev.anyrouter.translate.AnthropicEvents;
import dev.anyrouter.translate.ChatChunks;
import dev.anyrouter.translate.StopReasons;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * An OpenAI-compatible upstream answering a Messages client (docs/wire-format.md section 4): exactly one
 * {@code message_start}; a text (or thinking) block opened on the first such delta and closed before the next
 * block; each tool call its own {@code tool_use} block with {@code input_json_delta} pieces; the finish reason and
 * usage in one {@code message_delta}; then {@code message_stop}.
 */
final class OpenAiToAnthropic implements StreamCodec {

    private enum Block { NONE, TEXT, THINKING, TOOL }

    private final Destination route;
    private final Tally generation;
    private boolean started;
    private Block open = Block.NONE;
    private int blocks;
    /** Content-block index of each tool call, by the call's OpenAI index. */
    private final Map<Integer, Integer> toolBlocks = new HashMap<>();
    private int openTool = -1;
    private String openToolId;
    private String stopReason;
    private Long inputTokens;
    private Long outputTokens;

    OpenAiToAnthropic(Destination route, Tally generation) {
        this.route = route;
        this.generation = generation;
    }

    @Override
    public boolean event(String name, String data, Emitter out) throws IOException {
        if (OpenAiPassThrough.DONE.equals(data.strip())) {
            return end(out);
        }
        JsonNode chunk = ChatChunks.read(data, route, " mid-stream");
        if (ChatChunks.empty(chunk)) {
            return false; // Azure OpenAI's prompt_filter_results chunk: no choices, model "" (see OpenAiPassThrough)
        }
        if (!started) {
            String model = chunk.path("model").asText("");
            generation.servedModel(model);
            start(model.isBlank() ? route.upstreamModel() : model, out);
        }
        JsonNode choice = chunk.path("choices").path(0);
        JsonNode delta = choice.path("delta");
        text(Block.THINKING, delta.path("reasoning").isTextual() ? delta.path("reasoning")
                : delta.path("reasoning_content"), out);
        text(Block.TEXT, delta.path("content"), out);
        JsonNode calls = delta.path("tool_calls");
        for (JsonNode call : calls) {
            toolCall(call, out);
        }
        String finish = choice.path("finish_reason").asText("");
        if (!finish.isBlank() && stopReason == null) {
            close(out);
            stopReason = StopReasons.stopReason(finish, !toolBlocks.isEmpty());
            generation.finishReason(stopReason);
        }
        JsonNode usage = chunk.path("usage");
        if (usage.isObject()) {
            inputTokens = usage.path("prompt_tokens").isNumber() ? usage.path("prompt_tokens").asLong() : inputTokens;
            outputTokens = usage.path("completion_tokens").isNumber() ? usage.path("completion_tokens").asLong()
                    : outputTokens;
            generation.usage(inputTokens, outputTokens);
        }
        return false;
    }

    private void start(String model, Emitter out) {
        started = true;
        ObjectNode event = Json.MAPPER.createObjectNode().put("type", "message_start");
        ObjectNode message = event.putObject("message").put("id", generation.id()).put("type", "message")
                .put("role", "assistant");
        message.putArray("content");
        message.put("model", model).putNull("stop_reason").putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", 0).put("output_tokens", 0);
        send(out, event, "");
    }

    private void text(Block kind, JsonNode piece, Emitter out) {
        if (!piece.isTextual() || piece.asText().isEmpty()) {
            return;
        }
        if (open != kind) {
            close(out);
            ObjectNode block = Json.MAPPER.createObjectNode();
            if (kind == Block.TEXT) {
                block.put("type", "text").put("text", "");
            } else {
                block.put("type", "thinking").put("thinking", "").put("signature", "");
            }
            blockStart(block, kind, out);
        }
        ObjectNode delta = Json.MAPPER.createObjectNode();
        if (kind == Block.TEXT) {
            delta.put("type", "text_delta").put("text", piece.asText());
        } else {
            delta.put("type", "thinking_delta").put("thinking", piece.asText());
        }
        blockDelta(delta, out, piece.asText());
    }

    /**
     * One tool-call fragment. A fragment with a new {@code id} starts a call (some servers reuse an index for
     * parallel calls); one without continues the call of its index, or the open one when it has no index.
     */
    private void toolCall(JsonNode call, Emitter out) {
        int index = call.path("index").canConvertToInt() ? call.path("index").asInt()
                : openTool >= 0 ? openTool : toolBlocks.size();
        String id = call.path("id").isTextual() && !call.path("id").asText().isEmpty() ? call.path("id").asText()
                : null;
        boolean continues = open == Block.TOOL && openTool == index && (id == null || id.equals(openToolId));
        if (!continues) {
            if (id == null && toolBlocks.containsKey(index)) {
                throw GatewayException.upstream("upstream '" + route.provider() + "' interleaved the "
                        + "arguments of parallel tool calls, which the Messages API cannot stream", null);
            }
            close(out);
            openToolId = id != null ? id : "toolu_" + generation.id().substring(4) + "_" + blocks;
            ObjectNode toolUse = Json.MAPPER.createObjectNode().put("type", "tool_use").put("id", openToolId)
                    .put("name", call.path("function").path("name").asText());
            toolUse.putObject("input");
            blockStart(toolUse, Block.TOOL, out);
            toolBlocks.put(index, blocks - 1);
            openTool = index;
        }
        JsonNode function = call.path("function");
        String arguments = function.path("arguments").isObject() ? function.path("arguments").toString()
                : function.path("arguments").asText("");
        if (!arguments.isEmpty()) {
            blockDelta(Json.MAPPER.createObjectNode().put("type", "input_json_delta").put("partial_json", arguments),
                    out, arguments);
        }
    }

    private void blockStart(ObjectNode block, Block kind, Emitter out) {
        ObjectNode event = Json.MAPPER.createObjectNode().put("type", "content_block_start").put("index", blocks);
        event.set("content_block", block);
        send(out, event, "");
        open = kind;
        blocks++;
    }

    private void blockDelta(ObjectNode delta, Emitter out, String text) {
        ObjectNode event = Json.MAPPER.createObjectNode().put("type", "content_block_delta").put("index", blocks - 1);
        event.set("delta", delta);
        send(out, event, text);
    }

    private void close(Emitter out) {
        if (open != Block.NONE) {
            send(out, Json.MAPPER.createObjectNode().put("type", "content_block_stop").put("index", blocks - 1), "");
            open = Block.NONE;
            openTool = -1;
        }
    }

    @Override
    public boolean end(Emitter out) {
        if (stopReason == null) {
            return false;
        }
        ObjectNode delta = Json.MAPPER.createObjectNode().put("type", "message_delta");
        delta.putObject("delta").put("stop_reason", stopReason).putNull("stop_sequence");
        ObjectNode usage = delta.putObject("usage");
        if (inputTokens != null) {
            usage.put("input_tokens", inputTokens);
        }
        usage.put("output_tokens", outputTokens == null ? 0 : outputTokens);
        usage.put("cost", generation.cost());
        send(out, delta, "");
        send(out, Json.MAPPER.createObjectNode().put("type", "message_stop"), "");
        return true;
    }

    @Override
    public void fail(GatewayException failure, Emitter out) {
        AnthropicEvents.fail(failure, out);
    }

    @Override
    public String completion(String json) throws IOException {
        return OpenAiCompletionToMessage.translate(json, route, generation);
    }

    private void send(Emitter out, ObjectNode event, String text) {
        if (out.send(event.path("type").asText(), Json.write(event))) {
            generation.delivered(text);
        }
    }
}
