package dev.anyrouter.translate.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.api.spi.Emitter;
import dev.anyrouter.api.spi.StreamCodec;
import dev.anyrouter.api.spi.Tally;
import dev.anyrouter.json.Json;
import dev.anyrouter.translate.ChatChunks;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A chat-completions upstream answering a Responses client (docs/wire-format.md, "Responses and chat completions").
 * The stream opens with {@code response.created} and {@code response.in_progress}; reasoning, text (or a refusal)
 * and each tool call become output items, each opened with {@code response.output_item.added}, filled with deltas
 * and closed with its {@code .done} events; the answer ends with one of {@code response.completed} (with usage and
 * cost) and {@code response.incomplete}, or with {@code response.failed} when the upstream fails. Every event carries
 * its {@code type} and a {@code sequence_number} rising from 0.
 */
public final class ChatToResponses implements StreamCodec {

    private static final String DONE = "[DONE]";

    private final Destination route;
    private final Tally generation;
    private final ResponseObject response;
    private final OutputEvents events;
    private final List<OutputItem> output = new ArrayList<>();
    /** Open function calls, by the chat tool call's index. */
    private final Map<Integer, OutputItem> calls = new HashMap<>();
    private OutputItem message;
    private OutputItem reasoning;
    private String model;
    private String finishReason;
    private JsonNode usage;
    private boolean ended;

    /** @param request the client's Responses request, whose settings the response repeats */
    public ChatToResponses(Destination route, Tally generation, ObjectNode request) {
        this.route = route;
        this.generation = generation;
        this.response = new ResponseObject(request);
        this.events = new OutputEvents(generation);
    }

    @Override
    public boolean event(String name, String data, Emitter out) throws IOException {
        if (DONE.equals(data.strip())) {
            return end(out);
        }
        JsonNode chunk = ChatChunks.read(data, route, " mid-stream");
        if (ChatChunks.empty(chunk)) {
            return false; // Azure OpenAI's prompt_filter_results chunk: no choices
        }
        if (model == null) {
            String served = chunk.path("model").asText("");
            generation.servedModel(served);
            model = served.isBlank() ? route.upstreamModel() : served;
            start(out);
        }
        JsonNode choice = chunk.path("choices").path(0);
        JsonNode delta = choice.path("delta");
        JsonNode thought = delta.path("reasoning").isTextual() ? delta.path("reasoning")
                : delta.path("reasoning_content");
        if (thought.isTextual() && !thought.asText().isEmpty()) {
            reasoning(thought.asText(), out);
        }
        text(OutputItem.TEXT, delta.path("content"), out);
        text(OutputItem.REFUSAL, delta.path("refusal"), out);
        for (JsonNode call : delta.path("tool_calls")) {
            toolCall(call, out);
        }
        String finish = choice.path("finish_reason").asText("");
        if (!finish.isBlank() && finishReason == null) {
            finishReason = finish;
            closeAll(out);
            generation.finishReason(finish);
        }
        if (chunk.path("usage").isObject()) {
            usage = chunk.path("usage");
            generation.usage(usage.path("prompt_tokens").isNumber() ? usage.path("prompt_tokens").asLong() : null,
                    usage.path("completion_tokens").isNumber() ? usage.path("completion_tokens").asLong() : null);
        }
        return false;
    }

    private void start(Emitter out) {
        String id = generation.id();
        events.emit(out, OutputEvents.event("response.created").set("response", response.of(id, model, "in_progress")),
                "");
        events.emit(out, OutputEvents.event("response.in_progress")
                .set("response", response.of(id, model, "in_progress")), "");
    }

    private void reasoning(String piece, Emitter out) {
        if (reasoning == null) {
            closeText(out);
            reasoning = open(OutputItem.reasoning(itemId("rs"), output.size()), out);
            events.summaryAdded(reasoning, out);
        }
        events.summaryDelta(reasoning, piece, out);
    }

    private void text(String partType, JsonNode piece, Emitter out) {
        if (!piece.isTextual() || piece.asText().isEmpty()) {
            return;
        }
        closeReasoning(out);
        if (message == null) {
            message = open(OutputItem.message(itemId("msg"), output.size()), out);
        }
        if (!partType.equals(message.partType())) {
            events.partDone(message, out);
            events.partAdded(message, partType, out);
        }
        events.partDelta(message, piece.asText(), out);
    }

    /**
     * One tool-call fragment: a fragment with an {@code id} the call of its index has not got starts a call; one
     * without continues the call of its index (or, without an index, the last one started).
     */
    private void toolCall(JsonNode call, Emitter out) {
        String id = call.path("id").asText("");
        int index = call.path("index").canConvertToInt() ? call.path("index").asInt() : lastCall();
        OutputItem item = calls.get(index);
        if (item == null || !id.isEmpty() && !id.equals(item.callId())) {
            closeText(out);
            closeReasoning(out);
            if (item != null) {
                closeCall(item, out);
            }
            String callId = id.isEmpty() ? "call_" + generation.id().substring(4) + "_" + output.size() : id;
            item = open(OutputItem.functionCall(itemId("fc"), output.size(), callId,
                    call.path("function").path("name").asText()), out);
            calls.put(index, item);
        }
        JsonNode given = call.path("function").path("arguments");
        String arguments = given.isObject() ? given.toString() : given.asText("");
        if (!arguments.isEmpty()) {
            events.argumentsDelta(item, arguments, out);
        }
    }

    private int lastCall() {
        return calls.keySet().stream().max(Integer::compare).orElse(0);
    }

    private OutputItem open(OutputItem item, Emitter out) {
        output.add(item);
        events.added(item, out);
        return item;
    }

    private void closeText(Emitter out) {
        if (message != null) {
            events.partDone(message, out);
            done(message, out);
            message = null;
        }
    }

    private void closeReasoning(Emitter out) {
        if (reasoning != null) {
            events.summaryDone(reasoning, out);
            done(reasoning, out);
            reasoning = null;
        }
    }

    private void closeCall(OutputItem call, Emitter out) {
        events.argumentsDone(call, out);
        done(call, out);
    }

    private void closeAll(Emitter out) {
        closeReasoning(out);
        closeText(out);
        calls.values().stream().sorted((a, b) -> Integer.compare(a.index(), b.index()))
                .forEach(call -> closeCall(call, out));
        calls.clear();
    }

    /** Ends {@code item}: incomplete when the answer was cut short (max tokens, content filter), else completed. */
    private void done(OutputItem item, Emitter out) {
        events.done(item, finishReason == null ? "completed" : ResponseObject.status(finishReason), out);
    }

    @Override
    public boolean end(Emitter out) {
        if (ended) {
            return true;
        }
        if (finishReason == null) {
            return false;
        }
        ended = true;
        String status = ResponseObject.status(finishReason);
        ObjectNode body = finished(status);
        body.set("incomplete_details", ResponseObject.incomplete(finishReason));
        body.set("usage", ResponseObject.usage(usage == null ? Json.MAPPER.createObjectNode() : usage,
                generation.cost()));
        events.emit(out, OutputEvents.event("response." + status).set("response", body), "");
        return true;
    }

    @Override
    public void fail(GatewayException failure, Emitter out) {
        if (model == null) {
            model = route.upstreamModel();
        }
        ObjectNode body = finished("failed");
        body.set("error", ResponseObject.error(failure));
        events.emit(out, OutputEvents.event("response.failed").set("response", body), "");
    }

    /** The response object with {@code status} and every output item as it stands. */
    private ObjectNode finished(String status) {
        ObjectNode body = response.of(generation.id(), model, status);
        ArrayNode items = body.putArray("output");
        output.forEach(item -> items.add(item.snapshot()));
        return body;
    }

    @Override
    public String completion(String json) throws IOException {
        return ChatCompletionToResponse.translate(json, route, generation, response);
    }

    private String itemId(String prefix) {
        return prefix + "_" + generation.id().substring(4) + "_" + output.size();
    }
}
