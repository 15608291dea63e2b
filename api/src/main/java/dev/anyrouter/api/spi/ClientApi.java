package dev.anyrouter.api.spi;

/**
 * The APIs clients speak to AnyRouter (docs/api.md). Each has one resource; a {@link WireApi} says which of them
 * it can serve, so a new upstream API needs no new client API and a new client API no new upstream.
 */
public enum ClientApi {

    /** OpenAI Chat Completions: {@code POST /api/v1/chat/completions}. */
    CHAT_COMPLETIONS("chat-completions"),

    /** Anthropic Messages: {@code POST /api/v1/messages}. */
    MESSAGES("messages"),

    /** OpenAI Responses: {@code POST /api/v1/responses}. */
    RESPONSES("responses"),

    /** OpenAI Embeddings: {@code POST /api/v1/embeddings}, never streamed. */
    EMBEDDINGS("embeddings");

    private final String wireName;

    ClientApi(String wireName) {
        this.wireName = wireName;
    }

    /** Its name in messages and documentation. */
    public String wireName() {
        return wireName;
    }
}
