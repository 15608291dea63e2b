package dev.anyrouter.config;

/** The two wire APIs AnyRouter speaks, to its clients and to its upstreams (docs/wire-format.md sections 2 and 3). */
public enum Api {

    /** OpenAI Chat Completions: an upstream takes {@code POST {base}/chat/completions}. */
    CHAT_COMPLETIONS("chat/completions"),

    /** Anthropic Messages: an upstream takes {@code POST {base}/v1/messages}. */
    MESSAGES("v1/messages");

    private final String path;

    Api(String path) {
        this.path = path;
    }

    /** Where an upstream of this API takes requests, relative to its base URL. */
    public String path() {
        return path;
    }
}
