package dev.anyrouter.translate.openai;

/**
 * What the gateway reads from one upstream chat-completion chunk (or a whole non-streamed completion) without
 * re-serialising it: where its {@code id} value sits in the text, and the fields it routes and accounts on.
 *
 * @param idStart          offset of the opening quote of the top-level {@code id} value, or -1
 * @param idEnd            offset just past its closing quote, or -1
 * @param created          top-level {@code created}, or -1
 * @param model            top-level {@code model}, or {@code null}
 * @param hasRole          some choice's delta carries {@code role}
 * @param finishReason     the non-null {@code finish_reason} of a choice, or {@code null}
 * @param text             content, reasoning and tool-argument text of all choices
 * @param promptTokens     {@code usage.prompt_tokens}, or {@code null}
 * @param completionTokens {@code usage.completion_tokens}, or {@code null}
 * @param error            the message of a top-level {@code error}, or {@code null}
 * @param hasChoices       some choice has members (a usage-only chunk has {@code "choices":[]})
 */
public record Chunk(int idStart, int idEnd, long created, String model, boolean hasRole, String finishReason,
        String text, Long promptTokens, Long completionTokens, String error, boolean hasChoices) {

    /** The chunk carries usage. */
    public boolean hasUsage() {
        return promptTokens != null || completionTokens != null;
    }

    /** The chunk's text with its {@code id} value replaced; unchanged when it has none. */
    public String withId(String json, String id) {
        if (idStart < 0) {
            return json;
        }
        return new StringBuilder(json.length() + id.length()).append(json, 0, idStart).append('"').append(id)
                .append('"').append(json, idEnd, json.length()).toString();
    }
}
