package dev.anyrouter.limits;

import dev.anyrouter.accounting.CreditBudget;
import dev.anyrouter.accounting.Prices;
import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.errors.Refusal;
import dev.anyrouter.config.Price;
import dev.anyrouter.store.ClientKey;
import dev.anyrouter.store.CreditReservations;
import java.math.BigDecimal;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Makes a key's credit limit a cap. Before a request of a limited key reaches an upstream it reserves part of what
 * the key has left, shared by every replica through the database ({@link CreditReservations}):
 * <ul>
 *   <li>a stream reserves its prompt and {@value #SLICE_TOKENS} completion tokens (fewer if its
 *       {@code max_tokens} says so), and reserves another slice each time what it delivered costs its reservation,
 *       up to its {@code max_tokens}; when the key has nothing left, the stream is ended;</li>
 *   <li>a non-streamed answer cannot be cut short, so it reserves its prompt and its {@code max_tokens} (or
 *       {@code ANYROUTER_CREDIT_RESERVE_TOKENS}) at once.</li>
 * </ul>
 * A request whose first reservation does not fit gets a 402. Reservations are settled when the generation's
 * ledger row is written.
 */
public final class CreditLimits {

    /** Completion tokens a stream reserves at a time. */
    public static final long SLICE_TOKENS = 128;

    private final CreditReservations reservations;
    private final long reserveTokens;

    /** @param reserveTokens completion tokens a non-streamed request without {@code max_tokens} reserves */
    public CreditLimits(CreditReservations reservations, long reserveTokens) {
        this.reservations = reservations;
        this.reserveTokens = reserveTokens;
    }

    /**
     * The credit reserved for a request of {@code key} (empty for a key without a limit), or a 402 when what the key
     * has left cannot cover its first reservation.
     *
     * @param prompt    what its prompt costs, at the dearest of its models
     * @param perToken  what a completion token costs, at the dearest of its models
     * @param maxTokens the request's {@code max_tokens}, if it has one
     */
    public Optional<CreditBudget> reserve(ClientKey key, String generationId, BigDecimal prompt, BigDecimal perToken,
            OptionalLong maxTokens, boolean stream) {
        if (key.limit().isEmpty()) {
            return Optional.empty();
        }
        long first = stream ? Math.min(maxTokens.orElse(Long.MAX_VALUE), SLICE_TOKENS)
                : maxTokens.orElse(reserveTokens);
        BigDecimal wanted = Price.normal(prompt.add(perToken.multiply(BigDecimal.valueOf(first))));
        BigDecimal least = stream ? Price.normal(prompt) : wanted;
        BigDecimal reserved = reservations.reserve(generationId, key.id(), least, wanted).orElseThrow(() ->
                GatewayException.refused(Refusal.CREDIT, 402, ErrorTypes.INSUFFICIENT_CREDITS, "key '" + key.label()
                        + "' cannot cover this request within its credit limit (it needs " + Prices.plain(least)
                        + " USD" + (stream ? " for its prompt" : " for its prompt and max_tokens") + "; the limit is "
                        + Prices.plain(key.limit().get()) + " USD, partly reserved by the key's requests in flight)",
                        Optional.empty()));
        BigDecimal ceiling = maxTokens.isPresent()
                ? Price.normal(prompt.add(perToken.multiply(BigDecimal.valueOf(maxTokens.getAsLong())))) : null;
        return Optional.of(new Reservation(generationId, key.id(), reserved, ceiling,
                Price.normal(perToken.multiply(BigDecimal.valueOf(SLICE_TOKENS)))));
    }

    /** One generation's reservation, grown a slice at a time up to its ceiling (if it has one). */
    private final class Reservation implements CreditBudget {
        private final String generationId;
        private final String keyId;
        private final BigDecimal ceiling;
        private final BigDecimal slice;
        private BigDecimal reserved;

        Reservation(String generationId, String keyId, BigDecimal reserved, BigDecimal ceiling, BigDecimal slice) {
            this.generationId = generationId;
            this.keyId = keyId;
            this.reserved = reserved;
            this.ceiling = ceiling;
            this.slice = slice;
        }

        @Override
        public BigDecimal reserved() {
            return reserved;
        }

        @Override
        public BigDecimal more() {
            BigDecimal wanted = ceiling == null ? slice : slice.min(ceiling.subtract(reserved));
            if (wanted.signum() <= 0) {
                return BigDecimal.ZERO;
            }
            BigDecimal added = reservations.extend(generationId, keyId, wanted);
            reserved = reserved.add(added);
            return added;
        }
    }
}
