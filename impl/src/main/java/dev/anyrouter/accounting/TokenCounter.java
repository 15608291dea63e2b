package dev.anyrouter.accounting;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.json.Json;

/**
 * Counts tokens with tiktoken's encodings (jtokkit), for generations whose upstream never reported usage: a stream
 * cancelled or broken before its usage arrived. GPT-4o-era OpenAI models use {@code o200k_base}; everything else
 * {@code cl100k_base}. Anthropic publishes no tokenizer, so Claude counts are this close estimate.
 */
public final class TokenCounter {

    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
    /** Per message, OpenAI's documented framing overhead; and the reply's priming. */
    private static final int PER_MESSAGE = 3;
    private static final int REPLY_PRIMING = 3;

    private final Encoding encoding;

    private TokenCounter(Encoding encoding) {
        this.encoding = encoding;
    }

    /** The counter for an upstream model name (without the provider prefix). */
    public static TokenCounter forModel(String model) {
        String name = model.toLowerCase(java.util.Locale.ROOT);
        boolean o200k = name.startsWith("gpt-4o") || name.startsWith("gpt-4.1") || name.startsWith("gpt-4.5")
                || name.startsWith("gpt-5") || name.startsWith("chatgpt-4o") || name.matches("o[1-9].*");
        return new TokenCounter(REGISTRY.getEncoding(o200k ? EncodingType.O200K_BASE : EncodingType.CL100K_BASE));
    }

    /** Loads both encodings now, so that the first count does not wait for them. */
    public static void prepare() {
        REGISTRY.getEncoding(EncodingType.O200K_BASE).countTokensOrdinary("");
        REGISTRY.getEncoding(EncodingType.CL100K_BASE).countTokensOrdinary("");
    }

    public String encodingName() {
        return encoding.getName();
    }

    /**
     * The most characters of one text counted exactly. Counting costs time that grows with the text, and faster
     * than linearly for a long run without spaces (4 MB of one word took 11.5 s): beyond this, the rest is
     * estimated at {@link #CHARS_PER_TOKEN} characters per token. At most a few tens of milliseconds.
     */
    public static final int EXACT_CHARS = 100_000;
    /** The estimate beyond {@link #EXACT_CHARS}: about four characters per token in English text and code. */
    public static final int CHARS_PER_TOKEN = 4;

    /**
     * The tokens of {@code text}, special-token markers counted as plain text: exact for its first
     * {@link #EXACT_CHARS} characters, estimated beyond them.
     */
    public long text(CharSequence text) {
        int length = text.length();
        if (length == 0) {
            return 0;
        }
        int exact = Math.min(length, EXACT_CHARS);
        if (exact < length && Character.isHighSurrogate(text.charAt(exact - 1))) {
            exact--; // never split a surrogate pair
        }
        long rest = length - exact;
        return encoding.countTokensOrdinary(text.subSequence(0, exact).toString())
                + (rest + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
    }

    /**
     * The prompt tokens of a request body in any client API: every message's role and text (tool calls and
     * tool results included), the system prompt, and the tool definitions, with OpenAI's per-message framing; for
     * embeddings, the {@code input} ({@link #input}). Images and documents are not counted. Bounded like
     * {@link #text}: a prompt longer than {@link #EXACT_CHARS} characters is partly estimated.
     */
    public long prompt(ClientApi api, JsonNode body) {
        if (api == ClientApi.EMBEDDINGS) {
            return input(body.path("input"));
        }
        StringBuilder text = new StringBuilder();
        long messages = 0;
        if (api == ClientApi.MESSAGES && !body.path("system").isMissingNode()) {
            collect(body.path("system"), text);
            messages++;
        }
        if (api == ClientApi.RESPONSES) {
            messages += responsesInput(body, text);
        }
        for (JsonNode message : body.path("messages")) {
            messages++;
            text.append(message.path("role").asText()).append('\n');
            collect(message.path("content"), text);
            for (JsonNode call : message.path("tool_calls")) {
                text.append(call.path("function").path("name").asText()).append('\n')
                        .append(call.path("function").path("arguments").asText()).append('\n');
            }
            if (message.hasNonNull("name")) {
                text.append(message.path("name").asText()).append('\n');
            }
        }
        if (body.path("tools").isArray() && !body.path("tools").isEmpty()) {
            text.append(Json.write(body.path("tools")));
        }
        return text(text) + PER_MESSAGE * messages + REPLY_PRIMING;
    }

    /**
     * A Responses body's {@code instructions} and {@code input} (a string, or items: messages, function calls and
     * their outputs) into {@code text}; the number of turns.
     */
    private static long responsesInput(JsonNode body, StringBuilder text) {
        long turns = 0;
        if (body.path("instructions").isTextual()) {
            text.append("system\n").append(body.path("instructions").asText()).append('\n');
            turns++;
        }
        JsonNode input = body.path("input");
        if (input.isTextual()) {
            text.append("user\n").append(input.asText()).append('\n');
            return turns + 1;
        }
        for (JsonNode item : input) {
            turns++;
            text.append(item.path("role").asText(item.path("type").asText())).append('\n');
            collect(item.path("content"), text);
            for (String field : new String[] {"name", "arguments"}) {
                if (item.path(field).isTextual()) {
                    text.append(item.path(field).asText()).append('\n');
                }
            }
            collect(item.path("output"), text);
        }
        return turns;
    }

    /**
     * The tokens of an embeddings {@code input}: a string, an array of strings, an array of token ids (counted as
     * they are) or an array of such arrays; no framing.
     */
    private long input(JsonNode input) {
        if (input.isTextual()) {
            return text(input.asText());
        }
        long tokens = 0;
        for (JsonNode item : input) {
            tokens += item.isTextual() ? text(item.asText()) : item.isArray() ? item.size() : 1;
        }
        return tokens;
    }

    /** The text of message content: a string, or blocks/parts with text, tool input or nested results. */
    private static void collect(JsonNode content, StringBuilder text) {
        if (content.isTextual()) {
            text.append(content.asText()).append('\n');
            return;
        }
        for (JsonNode block : content) {
            if (block.path("text").isTextual()) {
                text.append(block.path("text").asText()).append('\n');
            }
            if (block.path("thinking").isTextual()) {
                text.append(block.path("thinking").asText()).append('\n');
            }
            if (block.has("input")) {
                text.append(block.path("name").asText()).append('\n').append(Json.write(block.path("input")))
                        .append('\n');
            }
            if (block.has("content")) {
                collect(block.path("content"), text);
            }
        }
    }
}
