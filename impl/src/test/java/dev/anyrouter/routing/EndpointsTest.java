package dev.anyrouter.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.anyrouter.config.Api;
import dev.anyrouter.config.BreakerConfig;
import dev.anyrouter.config.Endpoint;
import dev.anyrouter.config.UpstreamConfig;
import dev.anyrouter.errors.GatewayException;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EndpointsTest {

    private static final UpstreamConfig TWO = new UpstreamConfig("openai", List.of(
            new Endpoint(URI.create("http://a/v1"), Optional.empty()),
            new Endpoint(URI.create("http://b/v1"), Optional.empty())), Api.CHAT_COMPLETIONS);

    private static int take(Endpoints endpoints) {
        try (Lease lease = endpoints.acquire(Set.of())) {
            lease.answered();
            return lease.index();
        }
    }

    @Test
    void takesTurnsAmongIdleEndpointsAndPrefersTheLeastBusy() {
        Endpoints endpoints = new Endpoints(TWO, new BreakerConfig(5, Duration.ofSeconds(30)));

        assertThat(List.of(take(endpoints), take(endpoints), take(endpoints), take(endpoints)))
                .containsExactly(0, 1, 0, 1);
        try (Lease busy = endpoints.acquire(Set.of())) {
            assertThat(busy.index()).isZero();
            assertThat(List.of(take(endpoints), take(endpoints), take(endpoints))).containsOnly(1);
        }
        try (Lease retry = endpoints.acquire(Set.of(1))) {
            assertThat(retry.index()).as("an endpoint this request has not tried yet").isZero();
        }
    }

    @Test
    void skipsAnEndpointAfterItsFailuresInARowUntilATrialSucceeds() {
        Endpoints endpoints = new Endpoints(TWO, new BreakerConfig(2, Duration.ofSeconds(1)));
        for (int i = 0; i < 2; i++) {
            try (Lease lease = endpoints.acquire(Set.of(1))) {
                lease.failed(new IOException("refused"));
            }
        }
        assertThat(endpoints.open()).isEqualTo(1);
        assertThat(endpoints.opened()).isEqualTo(1);
        assertThat(List.of(take(endpoints), take(endpoints), take(endpoints))).containsOnly(1);

        Lease trial = await().atMost(Duration.ofSeconds(5)).until(() -> {
            Lease lease = endpoints.acquire(Set.of(1)); // endpoint 0 first, once its cool-down is over
            if (lease.index() == 0) {
                return lease;
            }
            lease.close();
            return null;
        }, Objects::nonNull);
        try (Lease other = endpoints.acquire(Set.of(1))) {
            assertThat(other.index()).as("one trial at a time").isEqualTo(1);
        }
        trial.answered();
        trial.close();
        assertThat(endpoints.open()).isZero();
        assertThat(List.of(take(endpoints), take(endpoints))).containsExactlyInAnyOrder(0, 1);
    }

    @Test
    void aTrialEndedWithoutAVerdictIsGivenBack() {
        UpstreamConfig one = new UpstreamConfig("openai", URI.create("http://a/v1"), Optional.empty(),
                Api.CHAT_COMPLETIONS);
        Endpoints endpoints = new Endpoints(one, new BreakerConfig(1, Duration.ofSeconds(1)));
        try (Lease lease = endpoints.acquire(Set.of())) {
            lease.failed(new IOException("refused"));
        }
        assertThatThrownBy(() -> endpoints.acquire(Set.of())).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.retryable()).isTrue();
            assertThat(e.retryAfter()).contains("1");
        });
        assertThat(endpoints.rejected()).isEqualTo(1);

        Lease cancelled = await().atMost(Duration.ofSeconds(5)).ignoreExceptions()
                .until(() -> endpoints.acquire(Set.of()), lease -> true);
        cancelled.close(); // the client left before the upstream answered

        try (Lease trial = endpoints.acquire(Set.of())) {
            trial.answered();
        }
        assertThat(endpoints.open()).isZero();
    }

    @Test
    void neverSkipsWithBreakersOff() {
        Endpoints endpoints = new Endpoints(TWO, new BreakerConfig(0, Duration.ofSeconds(30)));
        for (int i = 0; i < 20; i++) {
            try (Lease lease = endpoints.acquire(Set.of())) {
                lease.failed(new IOException("refused"));
            }
        }
        assertThat(endpoints.open()).isZero();
        assertThat(take(endpoints)).isBetween(0, 1);
    }
}
