package dev.anyrouter.translate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.Destination;
import java.io.IOException;

/** What the codecs that read chat-completion chunks as JSON trees share (docs/wire-format.md section 2). */
public final class ChatChunks {

    private ChatChunks() {
    }

    /**
     * A chunk (or a whole answer) as a JSON object; an {@link IOException} when it is not one, and a
     * {@link GatewayException} naming the provider ("failed" then {@code when}) when it is an upstream's error.
     */
    public static JsonNode read(String json, Destination route, String when) throws IOException {
        JsonNode chunk = AnthropicEvents.read(json);
        if (chunk.hasNonNull("error")) {
            JsonNode error = chunk.path("error");
            String message = error.isTextual() ? error.asText() : error.path("message").asText("unknown error");
            throw GatewayException.upstream("upstream '" + route.provider() + "' failed" + when + ": "
                    + route.scrub(message), null);
        }
        return chunk;
    }

    /** Whether a chunk holds nothing for the client: Azure OpenAI's {@code prompt_filter_results} chunk. */
    public static boolean empty(JsonNode chunk) {
        return chunk.path("choices").isEmpty() && !chunk.hasNonNull("usage");
    }
}
