package dev.anyrouter.limits;

import dev.anyrouter.accounting.Prices;
import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.errors.Refusal;
import dev.anyrouter.store.ClientKey;
import dev.anyrouter.store.KeyStore;
import dev.anyrouter.store.Ledger;
import java.math.BigDecimal;
import java.util.Optional;

/**
 * What a key has spent, and the checks that refuse a key over its credit limit (402), or any billable request while
 * the usage ledger cannot record it (503), before anything reaches an upstream. Requests already running may still
 * finish; {@link CreditLimits} keeps their spend within the limit.
 */
public final class Credit {

    /** The Retry-After of requests refused while the ledger cannot write. */
    private static final String LEDGER_RETRY_AFTER = "5";

    private final KeyStore keyStore;
    private final Ledger ledger;

    public Credit(KeyStore keyStore, Ledger ledger) {
        this.keyStore = keyStore;
        this.ledger = ledger;
    }

    /** What {@code key} has spent: its written ledger rows and those still queued. */
    public BigDecimal spent(ClientKey key) {
        BigDecimal queued = ledger.unwritten(key.id()); // first: a row written meanwhile is then counted twice, never missed
        return queued.add(keyStore.used(key.id()));
    }

    /**
     * Refuses (503, with a Retry-After) billable requests while the usage ledger has been failing to write for a
     * while or holds too many rows ({@link Ledger#failing()}): they could not be billed. The rows of requests
     * already running stay queued and are written once the database is back.
     */
    public void checkLedger() {
        if (ledger.failing()) {
            throw GatewayException.refused(Refusal.LEDGER, 503, ErrorTypes.OVERLOADED, "the gateway cannot record "
                    + "usage right now (its database does not accept writes); try again",
                    Optional.of(LEDGER_RETRY_AFTER));
        }
    }

    /** Refuses (402) a key that has spent its limit, by its spend as stored now. */
    public void check(ClientKey key) {
        if (key.limit().isPresent()) {
            refuseAt(key, spent(key));
        }
    }

    /**
     * Refuses (402), before its request body is read and without a database query, a key whose usage as last
     * loaded plus its queued ledger rows already reach its limit. Usage only grows, so a key refused here is over
     * its limit; {@link #check} still decides on the relay thread.
     */
    public void checkBeforeBody(ClientKey key) {
        if (key.limit().isPresent()) {
            refuseAt(key, key.used().add(ledger.unwritten(key.id())));
        }
    }

    private static void refuseAt(ClientKey key, BigDecimal spent) {
        BigDecimal limit = key.limit().orElseThrow();
        if (spent.compareTo(limit) >= 0) {
            throw GatewayException.refused(Refusal.CREDIT, 402, ErrorTypes.INSUFFICIENT_CREDITS, "key '"
                    + key.label() + "' has used its credit limit (" + Prices.plain(spent) + " of "
                    + Prices.plain(limit) + " USD); raise the limit or use another key", Optional.empty());
        }
    }
}
