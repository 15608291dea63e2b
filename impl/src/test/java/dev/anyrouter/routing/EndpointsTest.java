package dev.anyrouter.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.config.BreakerConfig;
import dev.anyrouter.config.Endpoint;
import dev.anyrouter.config.UpstreamConfig;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The choice of endpoint and the breakers, on a clock the test moves: no sleeps. */
class EndpointsTest {

    private static final UpstreamConfig ONE = new UpstreamConfig("openai", URI.create("http://a/v1"),
            Optional.empty(), "openai");
    private static final UpstreamConfig TWO = new UpstreamConfig("openai", List.of(
            new Endpoint(URI.create("http://a/v1"), Optional.empty()),
            new Endpoint(URI.create("http://b/v1"), Optional.empty())), "openai");
    /** Opens at 50 % of at least 4 requests in 10 s; a 1 s cool-down; a 429 parks for 2 s. */
    private static final BreakerConfig BREAKER = new BreakerConfig(50, 4, Duration.ofSeconds(10),
            Duration.ofSeconds(1), Duration.ofSeconds(2));

    private final TestClock clock = new TestClock();

    private Endpoints endpoints(UpstreamConfig upstream) {
        return new Endpoints(upstream, BREAKER, clock);
    }

    /** One request's single try, with its verdict; returns the endpoint it went to. */
    private static int request(Endpoints endpoints, Verdict verdict) {
        try (Lease lease = endpoints.acquire(Set.of())) {
            lease.judge(verdict, verdict == Verdict.ANSWERED ? null : new IOException("failed"), null);
            return lease.index();
        }
    }

    private static int take(Endpoints endpoints) {
        return request(endpoints, Verdict.ANSWERED);
    }

    @Test
    void takesTurnsAmongIdleEndpointsAndPrefersTheLeastBusy() {
        Endpoints endpoints = endpoints(TWO);

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
    void opensOnAFailureRateOverTheWindowNotOnFailuresInARow() {
        Endpoints endpoints = endpoints(ONE);
        for (int i = 0; i < 4; i++) {
            request(endpoints, Verdict.ANSWERED);
        }
        for (int i = 0; i < 3; i++) {
            request(endpoints, Verdict.FAILED);
        }
        assertThat(endpoints.open()).as("3 failures in a row, but 3 of 7 is under 50 %").isZero();

        clock.advance(Duration.ofSeconds(11)); // the window has moved past all of them
        request(endpoints, Verdict.ANSWERED);
        request(endpoints, Verdict.FAILED);
        request(endpoints, Verdict.FAILED);
        assertThat(endpoints.open()).isZero();
        request(endpoints, Verdict.ANSWERED);
        assertThat(endpoints.open()).as("2 of the 4 requests in the window failed").isEqualTo(1);
        assertThat(endpoints.opened()).isEqualTo(1);
    }

    @Test
    void neitherAnswersRateLimitsNorARequestsOwnRetriesOpenABreaker() {
        Endpoints endpoints = endpoints(ONE);
        for (int i = 0; i < 20; i++) {
            request(endpoints, Verdict.RATE_LIMITED);
        }
        assertThat(endpoints.open()).as("a 429 is not ill health").isZero();
        assertThat(endpoints.parked()).isEqualTo(20);

        request(endpoints, Verdict.ANSWERED);
        for (int retry = 0; retry < 10; retry++) {
            try (Lease lease = endpoints.acquire(Set.of(0))) { // this request's retries on the endpoint it tried
                lease.judge(Verdict.FAILED, new IOException("refused"), null);
            }
        }
        assertThat(endpoints.open()).as("one request counts once").isZero();
    }

    @Test
    void aSuspect500CountsOnlyWhenItFollowsAFailureOfAnotherRequest() {
        Endpoints endpoints = endpoints(ONE);
        for (int i = 0; i < 10; i++) {
            request(endpoints, Verdict.SUSPECT); // a prompt the provider answers 500, between good requests
            request(endpoints, Verdict.ANSWERED);
        }
        assertThat(endpoints.open()).isZero();

        for (int i = 0; i < 15; i++) {
            request(endpoints, Verdict.SUSPECT); // 500s one after another: the endpoint's
        }
        assertThat(endpoints.open()).isEqualTo(1);
    }

    @Test
    void aRateLimitedEndpointIsPassedOverWhileParkedWhenAnotherCanServe() {
        Endpoints endpoints = endpoints(TWO);
        try (Lease lease = endpoints.acquire(Set.of())) {
            assertThat(lease.index()).isZero();
            lease.judge(Verdict.RATE_LIMITED, null, Duration.ofSeconds(5)); // its Retry-After
        }
        assertThat(List.of(take(endpoints), take(endpoints), take(endpoints))).containsOnly(1);
        try (Lease retry = endpoints.acquire(Set.of(1))) {
            assertThat(retry.index()).as("a request that tried the other goes to the parked one").isZero();
        }
        clock.advance(Duration.ofSeconds(5));
        assertThat(List.of(take(endpoints), take(endpoints))).containsExactlyInAnyOrder(0, 1);

        Endpoints single = endpoints(ONE);
        request(single, Verdict.RATE_LIMITED);
        assertThat(take(single)).as("nowhere else to go").isZero();
    }

    @Test
    void anOpenEndpointIsPassedOverForAHealthyOneAndTakenBackAfterItsTrial() {
        Endpoints endpoints = endpoints(TWO);
        for (int i = 0; i < 4; i++) {
            try (Lease lease = endpoints.acquire(Set.of(1))) {
                lease.judge(Verdict.FAILED, new IOException("refused"), null);
            }
        }
        assertThat(endpoints.open()).isEqualTo(1);
        assertThat(List.of(take(endpoints), take(endpoints), take(endpoints))).containsOnly(1);
        assertThat(endpoints.skipped()).isPositive();

        clock.advance(Duration.ofSeconds(2));
        Lease trial = endpoints.acquire(Set.of(1));
        assertThat(trial.index()).as("the cool-down is over: its trial").isZero();
        try (Lease other = endpoints.acquire(Set.of(1))) {
            assertThat(other.index()).as("one trial at a time").isEqualTo(1);
        }
        trial.answered();
        trial.close();
        assertThat(endpoints.open()).isZero();
        assertThat(List.of(take(endpoints), take(endpoints))).containsExactlyInAnyOrder(0, 1);
    }

    @Test
    void aSingleOpenEndpointStillServesEveryRequestAndOneTrialClosesIt() {
        Endpoints endpoints = endpoints(ONE);
        for (int i = 0; i < 4; i++) {
            request(endpoints, Verdict.FAILED);
        }
        assertThat(endpoints.open()).isEqualTo(1);

        Lease trial = endpoints.acquire(Set.of());
        Lease second = endpoints.acquire(Set.of());
        assertThat(List.of(trial.index(), second.index())).as("never refused").containsOnly(0);
        assertThat(endpoints.allOpenTries()).isEqualTo(2);
        second.judge(Verdict.ANSWERED, null, null);
        second.close();
        assertThat(endpoints.open()).as("the second request was not the trial").isEqualTo(1);
        trial.answered();
        trial.close();
        assertThat(endpoints.open()).as("the trial succeeded").isZero();
    }

    @Test
    void whenEveryEndpointIsOpenTheOneOpenLongestTakesTheTrialAndAFailurePassesItOn() {
        Endpoints endpoints = endpoints(TWO);
        for (int i = 0; i < 4; i++) {
            try (Lease lease = endpoints.acquire(Set.of(1))) {
                lease.judge(Verdict.FAILED, new IOException("refused"), null);
            }
        }
        clock.advance(Duration.ofMillis(100));
        for (int i = 0; i < 4; i++) {
            try (Lease lease = endpoints.acquire(Set.of(0))) {
                lease.judge(Verdict.FAILED, new IOException("refused"), null);
            }
        }
        assertThat(endpoints.open()).isEqualTo(2);

        try (Lease first = endpoints.acquire(Set.of())) {
            assertThat(first.index()).as("opened longest ago").isZero();
            try (Lease meanwhile = endpoints.acquire(Set.of())) {
                assertThat(meanwhile.index()).as("0's trial is in flight; 1 has none").isEqualTo(1);
            }
            clock.advance(Duration.ofMillis(100));
            first.judge(Verdict.FAILED, new IOException("refused"), null);
        }
        try (Lease next = endpoints.acquire(Set.of())) {
            assertThat(next.index()).as("0's trial failed: the turn passes to 1").isEqualTo(1);
        }
        try (Lease retry = endpoints.acquire(Set.of(1))) {
            assertThat(retry.index()).as("a retry goes to the endpoint the request has not tried").isZero();
        }
    }

    @Test
    void aTrialEndedWithoutAVerdictIsGivenBack() {
        Endpoints endpoints = endpoints(ONE);
        for (int i = 0; i < 4; i++) {
            request(endpoints, Verdict.FAILED);
        }
        clock.advance(Duration.ofSeconds(2));
        endpoints.acquire(Set.of()).close(); // the half-open trial's client left before the upstream answered

        try (Lease trial = endpoints.acquire(Set.of())) {
            trial.answered();
        }
        assertThat(endpoints.open()).isZero();
    }

    @Test
    void neverOpensWithBreakersOff() {
        Endpoints endpoints = new Endpoints(TWO, BREAKER.off(), clock);
        for (int i = 0; i < 20; i++) {
            request(endpoints, Verdict.FAILED);
        }
        assertThat(endpoints.open()).isZero();
        assertThat(take(endpoints)).isBetween(0, 1);
    }

    /** A clock that moves only when told. */
    private static final class TestClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
