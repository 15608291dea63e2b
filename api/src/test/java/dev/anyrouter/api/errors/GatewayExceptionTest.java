package dev.anyrouter.api.errors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.api.ErrorTypes;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The four kinds of failure keep what the client is told, and only their own traits. */
class GatewayExceptionTest {

    @Test
    void onlyARefusalHasAReasonAndOnlyAnUpstreamFailureMayBeRetried() {
        GatewayException invalid = GatewayException.badRequest("model: missing");
        GatewayException refused = GatewayException.refused(Refusal.CREDIT, 402, ErrorTypes.INSUFFICIENT_CREDITS,
                "no credit left", Optional.empty());
        GatewayException upstream = GatewayException.upstream(503, ErrorTypes.OVERLOADED, "overloaded",
                Optional.of("2"), null, true);
        GatewayException stopped = GatewayException.stopped(503, ErrorTypes.OVERLOADED, "shutting down",
                Optional.of("1"));

        assertThat(invalid).isInstanceOf(InvalidRequest.class);
        assertThat(refused.refusal()).contains(Refusal.CREDIT);
        assertThat(invalid.refusal()).isEmpty();
        assertThat(upstream.refusal()).isEmpty();
        assertThat(upstream.retryable()).isTrue();
        assertThat(GatewayException.upstream("broken", null).retryable()).isFalse();
        assertThat(invalid.retryable()).isFalse();
        assertThat(refused.retryable()).isFalse();
        assertThat(stopped.retryable()).isFalse();
    }

    @Test
    void afterRetriesKeepsTheKindAndWhatTheClientIsTold() {
        GatewayException upstream = GatewayException.upstream(429, ErrorTypes.RATE_LIMIT, "slow down",
                Optional.of("7"), new IllegalStateException("cause"), true);

        GatewayException retried = upstream.afterRetries();

        assertThat(upstream.retried()).isFalse();
        assertThat(retried).isInstanceOf(UpstreamFailure.class);
        assertThat(retried.retried()).isTrue();
        assertThat(retried.status()).isEqualTo(429);
        assertThat(retried.type()).isEqualTo(ErrorTypes.RATE_LIMIT);
        assertThat(retried.getMessage()).isEqualTo("slow down");
        assertThat(retried.retryAfter()).contains("7");
        assertThat(retried.retryable()).isTrue();
        assertThat(retried.getCause()).hasMessage("cause");
        assertThat(retried.afterRetries()).isSameAs(retried);
        assertThat(GatewayException.refused(Refusal.LEDGER, 503, ErrorTypes.OVERLOADED, "ledger",
                Optional.of("5")).afterRetries().refusal()).contains(Refusal.LEDGER);
    }
}
