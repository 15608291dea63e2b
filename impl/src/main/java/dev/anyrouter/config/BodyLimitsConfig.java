package dev.anyrouter.config;

/**
 * What one chat-completions or Messages request body may hold, so that a body within {@code ANYROUTER_MAX_BODY_BYTES}
 * cannot still cost many times its size in memory: a body of 100,000 tiny messages is a tree of about 40 MB.
 *
 * @param maxMessages     messages in {@code messages} ({@code ANYROUTER_MAX_MESSAGES})
 * @param maxContentParts content parts or blocks in all messages and the system prompt, tool results' nested blocks
 *                        included ({@code ANYROUTER_MAX_CONTENT_PARTS})
 * @param maxTools        tool definitions in {@code tools} ({@code ANYROUTER_MAX_TOOLS})
 * @param maxJsonDepth    how deeply objects and arrays may nest ({@code ANYROUTER_MAX_JSON_DEPTH})
 * @param maxJsonTokens   JSON tokens (values, field names, brackets) in the whole body ({@code ANYROUTER_MAX_JSON_TOKENS})
 */
public record BodyLimitsConfig(int maxMessages, int maxContentParts, int maxTools, int maxJsonDepth,
        long maxJsonTokens) {

    /** The defaults, as {@link #from} reads them when nothing is set. */
    public static final BodyLimitsConfig DEFAULTS = new BodyLimitsConfig(10_000, 20_000, 1_000, 64, 500_000);

    public static BodyLimitsConfig from(Settings settings) {
        return new BodyLimitsConfig(
                (int) settings.number("ANYROUTER_MAX_MESSAGES", DEFAULTS.maxMessages, 1, 1_000_000),
                (int) settings.number("ANYROUTER_MAX_CONTENT_PARTS", DEFAULTS.maxContentParts, 1, 1_000_000),
                (int) settings.number("ANYROUTER_MAX_TOOLS", DEFAULTS.maxTools, 1, 100_000),
                (int) settings.number("ANYROUTER_MAX_JSON_DEPTH", DEFAULTS.maxJsonDepth, 8, 1_000),
                settings.number("ANYROUTER_MAX_JSON_TOKENS", DEFAULTS.maxJsonTokens, 1_000, 100_000_000));
    }
}
