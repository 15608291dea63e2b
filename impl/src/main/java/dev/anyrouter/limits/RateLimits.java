package dev.anyrouter.limits;

import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.errors.Refusal;
import dev.anyrouter.config.LimitsConfig;
import dev.anyrouter.store.ClientKey;
import dev.anyrouter.store.StoreException;
import io.github.bucket4j.BucketExceptions;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * Per-key rate limits (Bucket4j token buckets): requests per minute and tokens per minute, each the key's own
 * ({@link ClientKey#rpm()}, {@link ClientKey#tpm()}) or the gateway's default; 0 is unlimited.
 *
 * <p>Requests: {@link #admit} takes one token, or refuses the request (429). Tokens: a generation's size is known
 * only when it ends, so they are charged after ({@link #charge}): {@link #admit} refuses a key whose token bucket
 * is empty or in debt, and a generation's billed tokens (prompt + completion) are taken from the bucket when it
 * ends, even below zero. A key is refused once it has used its tokens, until they refill; requests already running
 * finish, so a key may exceed its tokens per minute by what those requests use.
 *
 * <p>On PostgreSQL each bucket operation is a short transaction: {@link #admit} runs on a relay thread, and the
 * charge runs on {@code background} so that the thread ending a generation never waits for the database.
 */
public final class RateLimits {

    private static final System.Logger LOG = System.getLogger(RateLimits.class.getName());
    private static final String RPM = "rpm";
    private static final String TPM = "tpm";

    private final LimitsConfig config;
    private final Buckets buckets;
    private final Executor background;

    RateLimits(LimitsConfig config, Buckets buckets, Executor background) {
        this.config = config;
        this.buckets = buckets;
        this.background = background;
    }

    /** Buckets in the database when {@code shared} (its {@code rate_limit_buckets}), else in memory. */
    public static RateLimits of(LimitsConfig config, Optional<DataSource> shared, Executor background) {
        return new RateLimits(config, shared.<Buckets>map(SharedBuckets::new).orElseGet(LocalBuckets::new),
                background);
    }

    /** The key's requests per window in force: its own, else the default; 0 for none. */
    public long rpm(ClientKey key) {
        return key.rpm().orElse(config.rpm());
    }

    /** The key's tokens per window in force: its own, else the default; 0 for none. */
    public long tpm(ClientKey key) {
        return key.tpm().orElse(config.tpm());
    }

    /**
     * Admits one request of {@code key}, taking a request token, or refuses it with a 429 whose {@code Retry-After}
     * is the seconds until it would be admitted. May query the database: call it on a relay thread.
     */
    public void admit(ClientKey key) {
        long tpm = tpm(key);
        if (tpm > 0) {
            EstimationProbe tokens = call(() -> buckets.get(TPM, key.id(), tpm, config.window())
                    .estimateAbilityToConsume(1));
            if (!tokens.canBeConsumed()) {
                throw refused(Refusal.RATE_LIMIT_TOKENS, key, tpm + " tokens", tokens.getNanosToWaitForRefill());
            }
        }
        long rpm = rpm(key);
        if (rpm > 0) {
            ConsumptionProbe request = call(() -> buckets.get(RPM, key.id(), rpm, config.window())
                    .tryConsumeAndReturnRemaining(1));
            if (!request.isConsumed()) {
                throw refused(Refusal.RATE_LIMIT_REQUESTS, key, rpm + " requests", request.getNanosToWaitForRefill());
            }
        }
    }

    /** A generation of {@code key} has ended: takes its {@code tokens} from the key's token bucket. Never blocks. */
    public void charge(ClientKey key, long tokens) {
        long tpm = tpm(key);
        if (tpm == 0 || tokens <= 0) {
            return;
        }
        Runnable charge = () -> call(() -> buckets.get(TPM, key.id(), tpm, config.window())
                .consumeIgnoringRateLimits(tokens));
        if (!buckets.shared()) {
            charge.run();
            return;
        }
        try {
            background.execute(() -> {
                try {
                    charge.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, tokens + " tokens of key " + key.id()
                            + " not charged to its rate limit: " + e.getMessage());
                }
            });
        } catch (RejectedExecutionException closing) {
            // the gateway is stopping
        }
    }

    /** Deletes stored buckets that have refilled (PostgreSQL); nothing for buckets in memory. */
    public void removeExpired() {
        call(() -> {
            buckets.removeExpired();
            return null;
        });
    }

    /** The seconds to send as {@code Retry-After} for a wait of {@code nanos}: rounded up, at least 1. */
    static long retryAfterSeconds(long nanos) {
        return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }

    private GatewayException refused(Refusal reason, ClientKey key, String limit, long nanos) {
        long seconds = retryAfterSeconds(nanos);
        return GatewayException.refused(reason, 429, ErrorTypes.RATE_LIMIT, "key '" + key.label()
                + "' is over its rate limit of " + limit + " per " + per(config.window()) + "; retry in " + seconds
                + " s", Optional.of(Long.toString(seconds)));
    }

    private static String per(Duration window) {
        return window.equals(Duration.ofMinutes(1)) ? "minute" : window.toMillis() + " ms";
    }

    /** A bucket operation; a database failure is the key store's (503). */
    private static <T> T call(Supplier<T> operation) {
        try {
            return operation.get();
        } catch (BucketExceptions.BucketExecutionException e) {
            throw new StoreException("rate limits unavailable: " + e.getMessage(), e);
        }
    }
}
