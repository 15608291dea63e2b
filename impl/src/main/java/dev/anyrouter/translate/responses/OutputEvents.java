package dev.anyrouter.translate.responses;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.spi.Emitter;
import dev.anyrouter.api.spi.Tally;
import dev.anyrouter.json.Json;

/**
 * Writes a Responses stream's events to the client, each with its {@code type} and the next {@code sequence_number}:
 * the events that open, fill and close the output items ({@link OutputItem}) of {@link ChatToResponses}, and any
 * other event it makes. Text counts as delivered once its event was sent.
 */
final class OutputEvents {

    private final Tally generation;
    private int sequence;

    OutputEvents(Tally generation) {
        this.generation = generation;
    }

    /** A new event of {@code type}. */
    static ObjectNode event(String type) {
        return Json.MAPPER.createObjectNode().put("type", type);
    }

    /** Sends {@code event} with the next sequence number; {@code text} reached the client when it was sent. */
    void emit(Emitter out, ObjectNode event, String text) {
        event.put("sequence_number", sequence++);
        if (out.send(event.path("type").asText(), Json.write(event)) && !text.isEmpty()) {
            generation.delivered(text);
        }
    }

    void added(OutputItem item, Emitter out) {
        emit(out, event("response.output_item.added").put("output_index", item.index()).set("item", item.opened()), "");
    }

    /** Ends {@code item} with {@code status} ({@code completed} or {@code incomplete}). */
    void done(OutputItem item, String status, Emitter out) {
        item.close(status);
        emit(out, event("response.output_item.done").put("output_index", item.index()).set("item", item.closed()), "");
    }

    void summaryAdded(OutputItem reasoning, Emitter out) {
        emit(out, reasoning.at(event("response.reasoning_summary_part.added")).put("summary_index", 0)
                .set("part", OutputItem.summary("")), "");
    }

    void summaryDelta(OutputItem reasoning, String piece, Emitter out) {
        reasoning.append(piece);
        emit(out, reasoning.at(event("response.reasoning_summary_text.delta")).put("summary_index", 0)
                .put("delta", piece), piece);
    }

    void summaryDone(OutputItem reasoning, Emitter out) {
        String text = reasoning.partText();
        emit(out, reasoning.at(event("response.reasoning_summary_text.done")).put("summary_index", 0)
                .put("text", text), "");
        emit(out, reasoning.at(event("response.reasoning_summary_part.done")).put("summary_index", 0)
                .set("part", OutputItem.summary(text)), "");
    }

    /** Opens a content part of {@code type} ({@link OutputItem#TEXT} or {@link OutputItem#REFUSAL}) in a message. */
    void partAdded(OutputItem message, String type, Emitter out) {
        message.openPart(type);
        emit(out, message.at(event("response.content_part.added")).put("content_index", message.partIndex())
                .set("part", OutputItem.part(type, "")), "");
    }

    void partDelta(OutputItem message, String piece, Emitter out) {
        message.append(piece);
        boolean text = OutputItem.TEXT.equals(message.partType());
        ObjectNode delta = message.at(event(text ? "response.output_text.delta" : "response.refusal.delta"))
                .put("content_index", message.partIndex()).put("delta", piece);
        if (text) {
            delta.putArray("logprobs");
        }
        emit(out, delta, piece);
    }

    /** Closes the message's open content part, if any. */
    void partDone(OutputItem message, Emitter out) {
        String type = message.partType();
        if (type == null) {
            return;
        }
        String text = message.partText();
        if (OutputItem.TEXT.equals(type)) {
            ObjectNode done = message.at(event("response.output_text.done")).put("content_index", message.partIndex())
                    .put("text", text);
            done.putArray("logprobs");
            emit(out, done, "");
        } else {
            emit(out, message.at(event("response.refusal.done")).put("content_index", message.partIndex())
                    .put("refusal", text), "");
        }
        emit(out, message.at(event("response.content_part.done")).put("content_index", message.partIndex())
                .set("part", OutputItem.part(type, text)), "");
        message.closePart();
    }

    void argumentsDelta(OutputItem call, String piece, Emitter out) {
        call.append(piece);
        emit(out, call.at(event("response.function_call_arguments.delta")).put("delta", piece), piece);
    }

    void argumentsDone(OutputItem call, Emitter out) {
        emit(out, call.at(event("response.function_call_arguments.done")).put("name", call.name())
                .put("arguments", call.partText()), "");
    }
}
