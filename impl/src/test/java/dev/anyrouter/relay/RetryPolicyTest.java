package dev.anyrouter.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.config.RetryConfig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The retry and fallback decisions, with the jitter's random value fixed: no clock, no sleep. */
class RetryPolicyTest {

    private static final RetryConfig CONFIG = new RetryConfig(2, Duration.ofMillis(250), Duration.ofSeconds(10));
    private static final GatewayException OVERLOADED = failure(503, Optional.empty(), true);

    /** The jitter at its top: the whole backoff. */
    private final RetryPolicy highest = new RetryPolicy(CONFIG, bound -> bound);

    private static GatewayException failure(int status, Optional<String> retryAfter, boolean retryable) {
        return GatewayException.upstream(status, ErrorTypes.UPSTREAM, "upstream 'p' failed", retryAfter, null,
                retryable);
    }

    @Test
    void anEndpointNotTriedYetIsTriedAtOnce() {
        assertThat(highest.wait(1, false, OVERLOADED)).contains(Duration.ZERO);
    }

    @Test
    void anEndpointThatFailedWaitsABackoffThatDoubles() {
        assertThat(highest.wait(1, true, OVERLOADED)).contains(Duration.ofMillis(250));
        assertThat(highest.wait(2, true, OVERLOADED)).contains(Duration.ofMillis(500));
        assertThat(highest.wait(3, true, OVERLOADED)).contains(Duration.ofMillis(1000));
    }

    @Test
    void theBackoffHasFullJitter() {
        RetryPolicy lowest = new RetryPolicy(CONFIG, bound -> 0);
        long[] bounds = new long[1];
        RetryPolicy recorded = new RetryPolicy(CONFIG, bound -> {
            bounds[0] = bound;
            return bound / 3;
        });

        assertThat(lowest.wait(1, true, OVERLOADED)).contains(Duration.ZERO);
        assertThat(recorded.wait(2, true, OVERLOADED)).contains(Duration.ofNanos(Duration.ofMillis(500).toNanos() / 3));
        assertThat(bounds[0]).isEqualTo(Duration.ofMillis(500).toNanos());
    }

    @Test
    void aRetryAfterIsTheLeastWait() {
        GatewayException limited = failure(429, Optional.of("3"), true);

        assertThat(highest.wait(1, true, limited)).contains(Duration.ofSeconds(3));
    }

    @Test
    void waitsStayWithinTheBudget() {
        GatewayException limited = failure(429, Optional.of("4"), true);

        assertThat(highest.wait(1, true, limited)).contains(Duration.ofSeconds(4));
        assertThat(highest.wait(2, true, limited)).contains(Duration.ofSeconds(4));
        assertThat(highest.wait(3, true, limited)).isEmpty(); // 12 s > 10 s
        assertThat(highest.wait(3, true, OVERLOADED)).contains(Duration.ofSeconds(1)); // 9 s: within
    }

    @Test
    void aRetryAfterBeyondTheBudgetIsNotWaited() {
        assertThat(highest.wait(1, true, failure(429, Optional.of("60"), true))).isEmpty();
    }

    @Test
    void aRetryableFailureIsTriedAgainWithinTheRetries() {
        assertThat(highest.again(OVERLOADED, 0, false, 1, 1)).isTrue();
        assertThat(highest.again(OVERLOADED, 1, false, 1, 1)).isTrue();
        assertThat(highest.again(OVERLOADED, 2, false, 1, 1)).isFalse();
    }

    @Test
    void aFailureThatIsNotRetryableIsTheAnswer() {
        assertThat(highest.again(failure(400, Optional.empty(), false), 0, false, 1, 2)).isFalse();
    }

    @Test
    void aRefusedKeyMovesToAnEndpointNotTriedYet() {
        GatewayException refused = failure(502, Optional.empty(), false);

        assertThat(highest.again(refused, 0, true, 1, 2)).isTrue();
        assertThat(highest.again(refused, 1, true, 2, 2)).isFalse();
    }

    @Test
    void noRetriesMeansOneTry() {
        RetryPolicy none = new RetryPolicy(new RetryConfig(0, Duration.ofMillis(250), Duration.ofSeconds(10)),
                bound -> bound);

        assertThat(none.again(OVERLOADED, 0, false, 1, 3)).isFalse();
    }

    @Test
    void retryableFailuresAndContextLengthRefusalsFallBack() {
        GatewayException tooLong = GatewayException.upstream(400, ErrorTypes.INVALID_REQUEST,
                "This model's maximum context length is 8192 tokens", Optional.empty(), null, false);

        assertThat(highest.fallBack(OVERLOADED)).isTrue();
        assertThat(highest.fallBack(tooLong)).isTrue();
        assertThat(highest.fallBack(failure(400, Optional.empty(), false))).isFalse();
    }

    @Test
    void anAnswerAfterMoreThanOneTryTellsTheClientNotToRetry() {
        highest.tried();
        assertThat(highest.answer(OVERLOADED).retried()).isFalse();

        highest.tried();
        assertThat(highest.answer(OVERLOADED).retried()).isTrue();
    }

    @Test
    void modelsWithEveryBreakerOpenAreTriedLast() {
        List<String> order = highest.order(List.of("open-a", "b", "open-c", "d"), m -> m.startsWith("open"));

        assertThat(order).containsExactly("b", "d", "open-a", "open-c");
    }
}
