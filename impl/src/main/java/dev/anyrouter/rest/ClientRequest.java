package dev.anyrouter.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.spi.ClientApi;
import java.util.List;
import java.util.OptionalLong;

/**
 * A validated request body of either API. The JSON tree is kept whole, so fields the gateway does not know pass
 * through to an upstream of the same API untouched (only {@code model} is rewritten).
 */
public interface ClientRequest {

    /** The request as the client sent it. */
    ObjectNode body();

    /** {@code provider/model}, or a model id alone (a route alias, or a model of the default provider). */
    String model();

    /** Whether the client asked for server-sent events. */
    boolean stream();

    /** The API the client speaks. */
    ClientApi api();

    /** The field listing fallback models: {@code models} (chat completions, as on OpenRouter) or {@code fallbacks}. */
    String fallbackField();

    /** The fallback models as listed ({@link #fallbackField()}), each a {@code provider/model} or a model id alone. */
    default List<String> fallbacks() {
        return Fields.fallbacks(body(), fallbackField());
    }

    /** The most completion tokens the request asks for ({@code max_completion_tokens} or {@code max_tokens}). */
    default OptionalLong maxTokens() {
        for (String field : new String[] {"max_completion_tokens", "max_tokens"}) {
            if (body().path(field).canConvertToLong() && body().path(field).asLong() > 0) {
                return OptionalLong.of(body().path(field).asLong());
            }
        }
        return OptionalLong.empty();
    }

    /**
     * The body to plan the upstream request from: the client's, without the fallback list and the OpenRouter fields
     * the gateway consumes ({@link OpenRouterFields}).
     */
    default ObjectNode upstreamBody() {
        ObjectNode copy = body().deepCopy();
        copy.remove(fallbackField());
        copy.remove(OpenRouterFields.NAMES);
        return copy;
    }
}
