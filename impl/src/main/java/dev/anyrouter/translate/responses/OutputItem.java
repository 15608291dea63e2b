package dev.anyrouter.translate.responses;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.json.Json;

/**
 * One item of a streamed response's {@code output} while the gateway writes it: a message (its content parts, one
 * open at a time), a reasoning summary or a function call, with the text that has arrived for it so far.
 */
final class OutputItem {

    /** A message's content part of text. */
    static final String TEXT = "output_text";
    /** A message's content part holding a refusal. */
    static final String REFUSAL = "refusal";

    private final ObjectNode item;
    private final int index;
    private final ArrayNode parts;
    private StringBuilder text = new StringBuilder();
    private String partType;
    private int partIndex = -1;
    private boolean closed;

    private OutputItem(ObjectNode item, int index, ArrayNode parts) {
        this.item = item;
        this.index = index;
        this.parts = parts;
    }

    static OutputItem message(String id, int index) {
        ObjectNode item = Json.MAPPER.createObjectNode().put("id", id).put("type", "message")
                .put("status", "in_progress");
        ArrayNode content = item.putArray("content");
        item.put("role", "assistant");
        return new OutputItem(item, index, content);
    }

    static OutputItem reasoning(String id, int index) {
        ObjectNode item = Json.MAPPER.createObjectNode().put("id", id).put("type", "reasoning");
        return new OutputItem(item, index, item.putArray("summary"));
    }

    static OutputItem functionCall(String id, int index, String callId, String name) {
        ObjectNode item = Json.MAPPER.createObjectNode().put("id", id).put("type", "function_call")
                .put("status", "in_progress").put("arguments", "").put("call_id", callId).put("name", name);
        return new OutputItem(item, index, null);
    }

    /** A content part of {@code type} ({@link #TEXT} or {@link #REFUSAL}) holding {@code text}. */
    static ObjectNode part(String type, String text) {
        ObjectNode part = Json.MAPPER.createObjectNode().put("type", type);
        if (TEXT.equals(type)) {
            part.putArray("annotations");
            part.putArray("logprobs");
            part.put("text", text);
        } else {
            part.put("refusal", text);
        }
        return part;
    }

    /** A reasoning summary's part holding {@code text}. */
    static ObjectNode summary(String text) {
        return Json.MAPPER.createObjectNode().put("type", "summary_text").put("text", text);
    }

    int index() {
        return index;
    }

    String callId() {
        return item.path("call_id").asText();
    }

    String name() {
        return item.path("name").asText();
    }

    /** {@code event} naming this item: its {@code item_id} and {@code output_index}. */
    ObjectNode at(ObjectNode event) {
        return event.put("item_id", item.path("id").asText()).put("output_index", index);
    }

    void append(String piece) {
        text.append(piece);
    }

    /** The open content part's type, or {@code null}. */
    String partType() {
        return partType;
    }

    int partIndex() {
        return partIndex;
    }

    /** The open part's text (a reasoning summary's or a call's arguments for those items). */
    String partText() {
        return text.toString();
    }

    void openPart(String type) {
        partType = type;
        partIndex++;
        text = new StringBuilder();
    }

    /** Closes the open content part into the message's content. */
    void closePart() {
        parts.add(part(partType, text.toString()));
        partType = null;
    }

    /** The item as {@code response.output_item.added} carries it. */
    ObjectNode opened() {
        return item.deepCopy();
    }

    /**
     * Ends the item with {@code status} ({@code completed}, or {@code incomplete} for an answer cut short): a
     * reasoning summary or a call takes its text.
     */
    void close(String status) {
        switch (item.path("type").asText()) {
            case "reasoning" -> parts.add(summary(text.toString()));
            case "function_call" -> item.put("status", status).put("arguments", text.toString());
            default -> item.put("status", status);
        }
        closed = true;
    }

    /** The item as a failed response shows it: what has arrived so far, marked incomplete unless it was ended. */
    ObjectNode snapshot() {
        if (closed) {
            return closed();
        }
        ObjectNode copy = item.deepCopy();
        switch (copy.path("type").asText()) {
            case "reasoning" -> copy.withArray("summary").add(summary(text.toString()));
            case "function_call" -> copy.put("status", "incomplete").put("arguments", text.toString());
            default -> {
                copy.put("status", "incomplete");
                if (partType != null) {
                    copy.withArray("content").add(part(partType, text.toString()));
                }
            }
        }
        return copy;
    }

    /** The item as it stands: as {@code response.output_item.done} and the final response carry it. */
    ObjectNode closed() {
        return item.deepCopy();
    }
}
