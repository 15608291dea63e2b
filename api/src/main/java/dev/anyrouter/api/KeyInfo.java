package dev.anyrouter.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;

/**
 * What {@code GET /api/v1/key} tells a client key about itself, in OpenRouter's shape. Amounts are USD.
 *
 * @param label          the key's label
 * @param usage          what it has spent
 * @param limit          its credit limit, or {@code null} for none
 * @param limitRemaining what is left of the limit, or {@code null} for none
 * @param freeTier       always {@code false}: a field OpenRouter's clients read
 */
public record KeyInfo(String label, BigDecimal usage, BigDecimal limit,
        @JsonProperty("limit_remaining") BigDecimal limitRemaining, @JsonProperty("is_free_tier") boolean freeTier) {
}
