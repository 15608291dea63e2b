package dev.anyrouter.accounting;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anyrouter.api.spi.ClientApi;

/**
 * A request's prompt, for billing its tokens when the upstream does not say them. It is counted once per encoding,
 * not on every bill of a running stream, and once the model that serves the request is settled and its count made,
 * the request's JSON is let go: an open stream does not hold its prompt.
 */
final class Prompt {

    private final ClientApi api;
    private JsonNode request;
    private String encoding;
    private long tokens;
    private boolean settled;

    /** @param request the client's request body, written in {@code api} */
    Prompt(ClientApi api, JsonNode request) {
        this.api = api;
        this.request = request;
    }

    /** Its tokens by {@code counter}, counted at the first call for that counter's encoding. */
    synchronized long tokens(TokenCounter counter) {
        if (!counter.encodingName().equals(encoding)) {
            if (request == null) {
                throw new IllegalStateException("the prompt was let go once counted for the model serving it");
            }
            tokens = counter.prompt(api, request);
            encoding = counter.encodingName();
        }
        if (settled) {
            request = null;
        }
        return tokens;
    }

    /** The serving model is final: once counted for it, the request is let go. */
    synchronized void settle() {
        settled = true;
    }
}
