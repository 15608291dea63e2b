package dev.anyrouter.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.config.LimitsConfig;
import dev.anyrouter.store.ClientKey;
import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class StreamCapsTest {

    private static final ClientKey A = RateLimitsTest.key("a", OptionalLong.empty(), OptionalLong.empty());
    private static final ClientKey B = RateLimitsTest.key("b", OptionalLong.empty(), OptionalLong.empty());
    private static final ClientKey C = RateLimitsTest.key("c", OptionalLong.empty(), OptionalLong.empty());

    private static StreamCaps caps(int perKey, int total) {
        return new StreamCaps(new LimitsConfig(0, 0, perKey, total, Duration.ofMinutes(1), 4096, 1 << 20,
                256L << 20));
    }

    @Test
    void aKeyOverItsCapIsRefusedWith503AndOtherKeysAreNot() {
        StreamCaps caps = caps(2, 0);
        StreamCaps.Slot first = caps.take(A);
        caps.take(A);
        assertThatThrownBy(() -> caps.take(A)).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.type()).isEqualTo("overloaded_error");
            assertThat(e.retryAfter()).hasValue("1");
            assertThat(e.getMessage()).contains("'label a' has 2 requests in flight");
        });
        caps.take(B);
        assertThat(caps.inFlight()).isEqualTo(3);
        assertThat(caps.inFlight("a")).isEqualTo(2);

        first.release();
        first.release(); // given back once only
        assertThat(caps.inFlight("a")).isEqualTo(1);
        caps.take(A);
        assertThatThrownBy(() -> caps.take(A)).isInstanceOf(GatewayException.class);
    }

    @Test
    void theTotalCapCountsEveryKeyAndARefusalTakesNothing() {
        StreamCaps caps = caps(1, 2);
        StreamCaps.Slot a = caps.take(A);
        assertThatThrownBy(() -> caps.take(A)).hasMessageContaining("'label a'");
        assertThat(caps.inFlight()).as("the refused request holds nothing").isEqualTo(1);
        caps.take(B);
        assertThatThrownBy(() -> caps.take(C)).hasMessageContaining("the gateway has 2 requests in flight");
        assertThat(caps.inFlight("c")).isZero();

        a.release();
        assertThat(caps.inFlight()).isEqualTo(1);
        assertThat(caps.inFlight("a")).isZero();
        caps.take(C);
    }

    @Test
    void zeroIsNoCap() {
        StreamCaps caps = caps(0, 0);
        for (int i = 0; i < 1000; i++) {
            caps.take(A);
        }
        assertThat(caps.inFlight()).isEqualTo(1000);
    }
}
