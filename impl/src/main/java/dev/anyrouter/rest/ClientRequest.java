package dev.anyrouter.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.config.Api;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * A validated request body of either API. The JSON tree is kept whole, so fields the gateway does not know pass
 * through to an upstream of the same API untouched (only {@code model} is rewritten).
 */
public interface ClientRequest {

    /** The request property {@link RequestBodyFilter} stores it under. */
    String PROPERTY = "dev.anyrouter.client-request";

    /** The request as the client sent it. */
    ObjectNode body();

    /** {@code provider/model}. */
    String model();

    /** Whether the client asked for server-sent events. */
    boolean stream();

    /** The API the client speaks. */
    Api api();

    /** The field listing fallback models: {@code models} (chat completions, as on OpenRouter) or {@code fallbacks}. */
    String fallbackField();

    /** The models to try, in order: {@link #model()}, then each fallback not already listed. */
    default List<String> models() {
        List<String> models = new ArrayList<>(List.of(model()));
        Fields.fallbacks(body(), fallbackField()).stream().filter(m -> !models.contains(m)).forEach(models::add);
        return models;
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

    /** The body to plan the upstream request from: the client's, without the fallback list. */
    default ObjectNode upstreamBody() {
        ObjectNode copy = body().deepCopy();
        copy.remove(fallbackField());
        return copy;
    }
}
