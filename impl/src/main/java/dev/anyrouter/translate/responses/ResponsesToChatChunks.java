package dev.anyrouter.translate.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.ErrorChunk;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.api.spi.Emitter;
import dev.anyrouter.api.spi.StreamCodec;
import dev.anyrouter.api.spi.Tally;
import dev.anyrouter.json.Json;
import dev.anyrouter.translate.AnthropicEvents;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * A Responses upstream answering a chat-completions client (docs/wire-format.md, "A Responses upstream answering a
 * chat-completions client"): {@code response.created} becomes the role chunk; text, reasoning and refusal deltas
 * become {@code content}, {@code reasoning} and {@code refusal}; each {@code function_call} item a tool call with
 * the next index, its argument deltas found by {@code item_id}; {@code response.completed} or
 * {@code response.incomplete} the one finish chunk, the usage chunk (when asked for) and {@code [DONE]}. Every chunk
 * carries the generation id, the response's {@code created_at} and its model. Item and part boundaries and the
 * {@code .done} events carry nothing new and send nothing.
 */
public final class ResponsesToChatChunks implements StreamCodec {

    /** The data of a chat-completions stream's last event (docs/wire-format.md section 2). */
    private static final String DONE = "[DONE]";

    private final Destination route;
    private final Tally generation;
    private final boolean includeUsage;
    /** The tool-call index of each {@code function_call} item, by the item's id. */
    private final Map<String, Integer> calls = new HashMap<>();
    private long created = System.currentTimeMillis() / 1000;
    private String model;
    private boolean started;
    private boolean finished;

    /** @param includeUsage whether the client asked for the usage chunk ({@code stream_options.include_usage}) */
    public ResponsesToChatChunks(Destination route, Tally generation, boolean includeUsage) {
        this.route = route;
        this.generation = generation;
        this.includeUsage = includeUsage;
        this.model = route.upstreamModel();
    }

    @Override
    public boolean event(String name, String data, Emitter out) throws IOException {
        if (finished || DONE.equals(data.strip())) { // some compatible servers end with [DONE] too
            return finished;
        }
        JsonNode event = AnthropicEvents.read(data);
        switch (event.path("type").asText(name == null ? "" : name)) {
            case "response.created" -> start(event.path("response"), out);
            case "response.output_text.delta" -> piece("content", event, out);
            case "response.reasoning_summary_text.delta", "response.reasoning_text.delta" ->
                piece("reasoning", event, out);
            case "response.refusal.delta" -> piece("refusal", event, out);
            case "response.reasoning_summary_part.added" -> {
                if (event.path("summary_index").asInt() > 0) { // summary paragraphs stay apart, as the whole answer's
                    send(out, Json.MAPPER.createObjectNode().put("reasoning", "\n\n"), null, "\n\n");
                }
            }
            case "response.output_item.added" -> {
                JsonNode item = event.path("item");
                if ("function_call".equals(item.path("type").asText())) {
                    call(item, out);
                }
            }
            case "response.function_call_arguments.delta" -> {
                Integer index = calls.get(event.path("item_id").asText());
                if (index != null) {
                    ObjectNode call = Json.MAPPER.createObjectNode().put("index", index);
                    call.putObject("function").put("arguments", event.path("delta").asText());
                    send(out, toolCall(call), null, event.path("delta").asText());
                }
            }
            case "response.completed", "response.incomplete" -> {
                return finish(event.path("response"), out);
            }
            case "response.failed" -> throw UpstreamResponse.failure(event.path("response").path("error"), route,
                    " mid-stream");
            case "error" -> throw UpstreamResponse.failure(event, route, " mid-stream");
            default -> {
                // in_progress, item and part boundaries, .done events, annotations, keep-alives: nothing new
            }
        }
        return false;
    }

    /** The role chunk, once: on {@code response.created}, or before the first piece when that event is missing. */
    private void start(JsonNode response, Emitter out) {
        if (started) {
            return;
        }
        started = true;
        created = response.path("created_at").isIntegralNumber() ? response.path("created_at").asLong() : created;
        model = response.path("model").asText("").isBlank() ? model : response.path("model").asText();
        generation.servedModel(model);
        send(out, Json.MAPPER.createObjectNode().put("role", "assistant").put("content", ""), null, "");
    }

    private void piece(String field, JsonNode event, Emitter out) {
        String text = event.path("delta").asText("");
        if (!text.isEmpty()) {
            send(out, Json.MAPPER.createObjectNode().put(field, text), null, text);
        }
    }

    private void call(JsonNode item, Emitter out) {
        int index = calls.size();
        calls.put(item.path("id").asText(), index);
        String arguments = item.path("arguments").asText("");
        ObjectNode call = Json.MAPPER.createObjectNode().put("index", index).put("id", item.path("call_id").asText())
                .put("type", "function");
        call.putObject("function").put("name", item.path("name").asText()).put("arguments", arguments);
        send(out, toolCall(call), null, arguments);
    }

    private boolean finish(JsonNode response, Emitter out) {
        String reason = UpstreamResponse.finishReason(response, !calls.isEmpty());
        UpstreamResponse.report(generation, response.path("usage"));
        generation.finishReason(reason);
        send(out, Json.MAPPER.createObjectNode(), reason, "");
        if (includeUsage) {
            ObjectNode chunk = envelope();
            chunk.putArray("choices");
            chunk.set("usage", UpstreamResponse.chatUsage(response.path("usage"), generation.cost()));
            out.send(null, Json.write(chunk));
        }
        out.send(null, DONE);
        finished = true;
        return true;
    }

    @Override
    public boolean end(Emitter out) {
        return finished; // the terminal event completed the stream; without it the answer was cut off
    }

    @Override
    public void fail(GatewayException failure, Emitter out) {
        out.send(null, Json.write(ErrorChunk.of(generation.id(), created, model, failure.status(),
                failure.getMessage())));
    }

    @Override
    public String completion(String json) throws IOException {
        return ResponseToChatCompletion.translate(json, route, generation);
    }

    private static ObjectNode toolCall(ObjectNode call) {
        ObjectNode delta = Json.MAPPER.createObjectNode();
        delta.putArray("tool_calls").add(call);
        return delta;
    }

    /** Sends one chunk of {@code delta}; {@code text} reached the client when it was sent. */
    private void send(Emitter out, ObjectNode delta, String finish, String text) {
        if (!started) {
            start(Json.MAPPER.missingNode(), out);
        }
        ObjectNode chunk = envelope();
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        choice.put("finish_reason", finish);
        if (includeUsage) {
            chunk.putNull("usage");
        }
        if (out.send(null, Json.write(chunk)) && !text.isEmpty()) {
            generation.delivered(text);
        }
    }

    private ObjectNode envelope() {
        return Json.MAPPER.createObjectNode().put("id", generation.id()).put("object", "chat.completion.chunk")
                .put("created", created).put("model", model);
    }
}
