package dev.anyrouter.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;

/**
 * A client key as the admin API shows it ({@code /api/v1/keys}): never the key itself, which only its creation's
 * answer carries ({@link CreatedKey}). Amounts are USD.
 *
 * @param id             the key's id ({@code key-…})
 * @param label          its label
 * @param usage          what it has spent
 * @param limit          its credit limit, or {@code null} for none
 * @param limitRemaining what is left of the limit, or {@code null} for none
 * @param rpm            its requests per minute, 0 for unlimited, or {@code null} for the gateway's default
 * @param tpm            its tokens per minute, likewise
 * @param disabled       whether it is refused
 * @param source         where it came from: {@code admin} (the admin API) or {@code env} (the bootstrap keys)
 * @param createdAt      when it was made, ISO-8601
 */
public record AdminKey(String id, String label, BigDecimal usage, BigDecimal limit,
        @JsonProperty("limit_remaining") BigDecimal limitRemaining, Long rpm, Long tpm, boolean disabled,
        String source, @JsonProperty("created_at") String createdAt) {
}
