package dev.anyrouter.simulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Renders a {@link Script} in OpenAI's wire format: the chunks of a stream, in order and honouring every chunk
 * invariant (docs/wire-format.md section 2), or one whole {@code chat.completion}.
 */
final class Answer {

    private final String id = "chatcmpl-sim-" + UUID.randomUUID().toString().substring(0, 8);
    private final long created = System.currentTimeMillis() / 1000;
    private final String model;
    private final Script script;
    private final long promptTokens;
    private final long completionTokens;

    Answer(String model, Script script, long promptTokens, long completionTokens) {
        this.model = model;
        this.script = script;
        this.promptTokens = promptTokens;
        this.completionTokens = completionTokens;
    }

    /** The data of every event up to (not including) {@code [DONE]}: role, pieces, finish, optional usage. */
    List<String> chunks(boolean includeUsage) {
        List<String> chunks = new ArrayList<>();
        ObjectNode first = Json.MAPPER.createObjectNode().put("role", "assistant");
        if (script.toolName() == null) {
            first.put("content", "");
        } else {
            first.putNull("content");
            ObjectNode call = first.putArray("tool_calls").addObject().put("index", 0)
                    .put("id", "call_sim_" + id.substring(id.length() - 8)).put("type", "function");
            call.putObject("function").put("name", script.toolName()).put("arguments", "");
        }
        chunks.add(chunk(first, null, includeUsage));
        for (String piece : script.pieces()) {
            chunks.add(chunk(pieceDelta(piece), null, includeUsage));
        }
        chunks.add(chunk(Json.MAPPER.createObjectNode(), script.finishReason(), includeUsage));
        if (includeUsage) {
            ObjectNode usage = envelope("chat.completion.chunk");
            usage.putArray("choices");
            usage.set("usage", usage());
            chunks.add(Json.write(usage));
        }
        return chunks;
    }

    /** The in-band error event of a failing stream. */
    String error(String message) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.putObject("error").put("message", message).put("type", "server_error").put("code", 500);
        return Json.write(body);
    }

    String completion() {
        ObjectNode body = envelope("chat.completion");
        ObjectNode choice = body.putArray("choices").addObject().put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        if (script.toolName() == null) {
            message.put("content", script.text());
        } else {
            message.putNull("content");
            ObjectNode call = message.putArray("tool_calls").addObject()
                    .put("id", "call_sim_" + id.substring(id.length() - 8)).put("type", "function");
            call.putObject("function").put("name", script.toolName()).put("arguments", script.text());
        }
        message.putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", script.finishReason());
        body.set("usage", usage());
        return Json.write(body);
    }

    private ObjectNode pieceDelta(String piece) {
        ObjectNode delta = Json.MAPPER.createObjectNode();
        if (script.toolName() == null) {
            return delta.put("content", piece);
        }
        ArrayNode calls = delta.putArray("tool_calls");
        calls.addObject().put("index", 0).putObject("function").put("arguments", piece);
        return delta;
    }

    private String chunk(ObjectNode delta, String finishReason, boolean includeUsage) {
        ObjectNode chunk = envelope("chat.completion.chunk");
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        if (includeUsage) {
            chunk.putNull("usage");
        }
        return Json.write(chunk);
    }

    private ObjectNode envelope(String object) {
        return Json.MAPPER.createObjectNode().put("id", id).put("object", object).put("created", created)
                .put("model", model).put("system_fingerprint", "fp_anyrouter_sim");
    }

    private ObjectNode usage() {
        return Json.MAPPER.createObjectNode().put("prompt_tokens", promptTokens)
                .put("completion_tokens", completionTokens).put("total_tokens", promptTokens + completionTokens);
    }
}
