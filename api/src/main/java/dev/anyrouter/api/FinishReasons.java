package dev.anyrouter.api;

/**
 * The {@code finish_reason} values of a chat completion choice. An open set: values from an upstream are relayed
 * as they come; {@link #ERROR} is OpenRouter's, used by AnyRouter when a stream fails after it started.
 */
public final class FinishReasons {

    public static final String STOP = "stop";
    public static final String LENGTH = "length";
    public static final String TOOL_CALLS = "tool_calls";
    public static final String CONTENT_FILTER = "content_filter";
    public static final String ERROR = "error";

    private FinishReasons() {
    }
}
