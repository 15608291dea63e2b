package dev.anyrouter.store;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A client key as stored (never the key itself, only its hash).
 *
 * @param id        a public id, for the admin API, the CLI and the ledger
 * @param keyHash   SHA-256 of the key, hex
 * @param label     a name for people
 * @param limit     the most it may spend in USD, or empty for no limit
 * @param rpm       its own requests-per-minute limit (0: unlimited), or empty for the gateway's default
 * @param tpm       its own tokens-per-minute limit (0: unlimited), or empty for the gateway's default
 * @param used      what it has spent, in USD: the sum of its ledger rows' costs
 * @param disabled  whether it is refused
 * @param source    {@code admin} (CLI or admin API) or {@code env} ({@code ANYROUTER_API_KEYS})
 * @param createdAt when it was made
 */
public record ClientKey(String id, String keyHash, String label, Optional<BigDecimal> limit, OptionalLong rpm,
        OptionalLong tpm, BigDecimal used, boolean disabled, String source, Instant createdAt) {

    /** What is left under the limit (never below zero), or empty for no limit. */
    public Optional<BigDecimal> remaining(BigDecimal spent) {
        return limit.map(l -> l.subtract(spent).max(BigDecimal.ZERO));
    }
}
