package dev.anyrouter.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.config.LimitsConfig;
import dev.anyrouter.store.ClientKey;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Rate limits on buckets in memory: what is admitted, what is refused, and the Retry-After it gets. */
class RateLimitsTest {

    static ClientKey key(String id, OptionalLong rpm, OptionalLong tpm) {
        return new ClientKey(id, "0".repeat(64), "label " + id, Optional.empty(), rpm, tpm, BigDecimal.ZERO, false,
                "admin", Instant.EPOCH);
    }

    private static RateLimits limits(long rpm, long tpm) {
        return new RateLimits(new LimitsConfig(rpm, tpm, 0, 0, Duration.ofMinutes(1), 4096, 1 << 20, 256L << 20), new LocalBuckets(),
                task -> {
                    throw new AssertionError("local buckets are charged on the caller's thread");
                });
    }

    @Test
    void retryAfterIsTheWaitInSecondsRoundedUpAndAtLeastOne() {
        assertThat(RateLimits.retryAfterSeconds(0)).isEqualTo(1);
        assertThat(RateLimits.retryAfterSeconds(1)).isEqualTo(1);
        assertThat(RateLimits.retryAfterSeconds(1_000_000_000L)).isEqualTo(1);
        assertThat(RateLimits.retryAfterSeconds(1_000_000_001L)).isEqualTo(2);
        assertThat(RateLimits.retryAfterSeconds(59_500_000_000L)).isEqualTo(60);
    }

    @Test
    void requestsOverTheLimitAreRefusedWith429AndTheWaitForOneToken() {
        RateLimits limits = limits(2, 0);
        ClientKey key = key("a", OptionalLong.empty(), OptionalLong.empty());
        limits.admit(key);
        limits.admit(key);

        assertThatThrownBy(() -> limits.admit(key)).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.status()).isEqualTo(429);
            assertThat(e.type()).isEqualTo("rate_limit_error");
            assertThat(e.getMessage()).contains("'label a'").contains("2 requests per minute");
            // one token refills every 30 s
            assertThat(Long.parseLong(e.retryAfter().orElseThrow())).isBetween(29L, 30L);
        });
        limits.admit(key("b", OptionalLong.empty(), OptionalLong.empty())); // another key: its own bucket
    }

    @Test
    void aKeysOwnLimitWinsAndZeroIsUnlimited() {
        RateLimits limits = limits(1, 0);
        ClientKey unlimited = key("a", OptionalLong.of(0), OptionalLong.empty());
        for (int i = 0; i < 100; i++) {
            limits.admit(unlimited);
        }
        ClientKey own = key("b", OptionalLong.of(3), OptionalLong.empty());
        limits.admit(own);
        limits.admit(own);
        limits.admit(own);
        assertThatThrownBy(() -> limits.admit(own)).hasMessageContaining("3 requests per minute");
        assertThat(limits.rpm(own)).isEqualTo(3);
        assertThat(limits.rpm(key("c", OptionalLong.empty(), OptionalLong.empty()))).isEqualTo(1);
    }

    @Test
    void tokensAreChargedAfterAndRefuseTheKeyUntilItsDebtRefills() {
        RateLimits limits = limits(0, 600);
        ClientKey key = key("a", OptionalLong.empty(), OptionalLong.empty());
        limits.admit(key);
        limits.charge(key, 500);
        limits.admit(key); // 100 left
        limits.charge(key, 699); // 599 in debt: 600 tokens (a minute) until one is available

        assertThatThrownBy(() -> limits.admit(key)).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.status()).isEqualTo(429);
            assertThat(e.getMessage()).contains("600 tokens per minute");
            assertThat(Long.parseLong(e.retryAfter().orElseThrow())).isBetween(59L, 60L);
        });
    }

    @Test
    void aChangedLimitStartsAFullBucket() {
        RateLimits limits = limits(0, 0);
        limits.admit(key("a", OptionalLong.of(1), OptionalLong.empty()));
        assertThatThrownBy(() -> limits.admit(key("a", OptionalLong.of(1), OptionalLong.empty())))
                .isInstanceOf(GatewayException.class);
        limits.admit(key("a", OptionalLong.of(2), OptionalLong.empty()));
        limits.admit(key("a", OptionalLong.of(2), OptionalLong.empty()));
    }
}
