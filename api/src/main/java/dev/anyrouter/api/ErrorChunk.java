package dev.anyrouter.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The last chunk of a chat-completions stream that failed after the 200 was sent: the usual
 * {@code id/object/created/model}, a top-level {@code error}, and one choice with {@code finish_reason "error"}.
 *
 * @param id      the generation id, the same as on every other chunk of the stream
 * @param object  always {@code chat.completion.chunk}
 * @param created the stream's creation time in epoch seconds
 * @param model   the stream's model
 * @param error   the code and message
 * @param choices one choice with an empty content delta and {@code finish_reason "error"}
 */
public record ErrorChunk(String id, String object, long created, String model, Error error, List<Choice> choices) {

    public ErrorChunk {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(error, "error");
        choices = List.copyOf(choices);
    }

    /** The error chunk of one stream. */
    public static ErrorChunk of(String id, long created, String model, int code, String message) {
        return new ErrorChunk(id, "chat.completion.chunk", created, model, new Error(code, message),
                List.of(new Choice(0, Map.of("content", ""), FinishReasons.ERROR)));
    }

    /**
     * What failed.
     *
     * @param code    the HTTP status the failure would have had before the stream started
     * @param message a sentence for a person
     */
    public record Error(int code, String message) {
    }

    /**
     * The closing choice.
     *
     * @param index        always 0
     * @param delta        an empty content delta
     * @param finishReason {@link FinishReasons#ERROR}
     */
    public record Choice(int index, Map<String, String> delta,
            @JsonProperty("finish_reason") String finishReason) {
    }
}
