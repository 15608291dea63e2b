package dev.anyrouter.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Objects;

/**
 * The body of {@code GET /api/v1/models}: the models AnyRouter can route, in OpenRouter's shape.
 *
 * @param data one entry per model
 */
public record ModelList(List<Model> data) {

    public ModelList {
        data = List.copyOf(data);
    }

    /**
     * One routable model.
     *
     * @param id            {@code provider/model}, as clients name it
     * @param name          a display name
     * @param contextLength the context window in tokens, or {@code null} when not known (a model priced only in
     *                      the gateway's configuration)
     * @param pricing       USD per token, as decimal strings
     */
    public record Model(String id, String name, @JsonProperty("context_length") Long contextLength, Pricing pricing) {

        public Model {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(pricing, "pricing");
        }
    }

    /**
     * Prices in USD per token, decimal strings so that no precision is lost.
     *
     * @param prompt     per prompt token
     * @param completion per completion token
     */
    public record Pricing(String prompt, String completion) {
    }
}
