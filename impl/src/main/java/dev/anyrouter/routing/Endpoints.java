package dev.anyrouter.routing;

import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.config.BreakerConfig;
import dev.anyrouter.config.UpstreamConfig;
import dev.anyrouter.errors.GatewayException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The endpoints of one provider, each behind its own circuit breaker (Resilience4j): {@link #acquire} picks the
 * healthy endpoint with the fewest requests in flight, taking turns among equals, so that long streams do not pile
 * up on one endpoint and a slow one gets less. An endpoint with {@code failures} failures in a row is skipped for
 * the cool-down; then one trial request is let through, and its success puts it back (a failure: another
 * cool-down). When every endpoint is skipped the request fails at once, without calling the upstream.
 */
public final class Endpoints {

    private static final System.Logger LOG = System.getLogger(Endpoints.class.getName());

    private final UpstreamConfig upstream;
    private final BreakerConfig config;
    private final List<Member> members = new ArrayList<>();
    private final AtomicInteger turn = new AtomicInteger();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong opened = new AtomicLong();

    Endpoints(UpstreamConfig upstream, BreakerConfig config) {
        this.upstream = upstream;
        this.config = config;
        CircuitBreakerConfig breakers = CircuitBreakerConfig.custom()
                // The last N calls all failed = N failures in a row.
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(Math.max(1, config.failures()))
                .minimumNumberOfCalls(Math.max(1, config.failures()))
                .failureRateThreshold(100)
                // Slowness is the timeouts' business; a slow answer is still an answer.
                .slowCallDurationThreshold(Duration.ofDays(1))
                .waitDurationInOpenState(config.cooldown())
                .permittedNumberOfCallsInHalfOpenState(1)
                .build(); // no automatic move to half-open: it would need a thread; the next request makes it
        for (int i = 0; i < upstream.endpoints().size(); i++) {
            CircuitBreaker breaker = CircuitBreaker.of(upstream.name() + "#" + i, breakers);
            if (!config.enabled()) {
                breaker.transitionToDisabledState();
            }
            Member member = new Member(i, breaker);
            breaker.getEventPublisher().onStateTransition(event -> changed(member, event.getStateTransition()));
            members.add(member);
        }
    }

    /**
     * Takes the endpoint the next try goes to: the healthy one with the fewest requests in flight, preferring
     * those not in {@code tried} (the endpoints that already failed this request). The lease must be closed when
     * the request is done with the endpoint. Throws a 503 (retryable, so a fallback model is tried) when every
     * endpoint is being skipped.
     */
    public Lease acquire(Set<Integer> tried) {
        int start = Math.floorMod(turn.getAndIncrement(), members.size());
        List<Candidate> candidates = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            Member member = members.get((start + i) % members.size());
            candidates.add(new Candidate(member, tried.contains(member.index), member.inFlight.get()));
        }
        candidates.sort(Comparator.comparing(Candidate::tried).thenComparingInt(Candidate::inFlight));
        for (Candidate candidate : candidates) {
            // Asked in order, so only the endpoint chosen uses up a half-open breaker's trial.
            if (candidate.member.breaker.tryAcquirePermission()) {
                return new Lease(upstream.endpoints().get(candidate.member.index), candidate.member.index,
                        candidate.member.breaker, candidate.member.inFlight);
            }
        }
        rejected.incrementAndGet();
        throw new GatewayException(503, ErrorTypes.OVERLOADED, "upstream '" + upstream.name()
                + "' is skipped after failing repeatedly (" + (members.size() == 1 ? "its circuit breaker is"
                : "the circuit breakers of all " + members.size() + " endpoints are") + " open)",
                Optional.of(Long.toString(Math.max(1, config.cooldown().toSeconds()))), null, true);
    }

    /** Endpoints being skipped now, or waiting for their trial request's answer. */
    public int open() {
        return (int) members.stream().filter(m -> m.breaker.getState() == CircuitBreaker.State.OPEN
                || m.breaker.getState() == CircuitBreaker.State.HALF_OPEN).count();
    }

    /** How many tries were not sent because every endpoint was skipped. */
    public long rejected() {
        return rejected.get();
    }

    /** How many times an endpoint's breaker opened. */
    public long opened() {
        return opened.get();
    }

    public String provider() {
        return upstream.name();
    }

    /** Logs each change; endpoints are named by index and host, never by key. */
    private void changed(Member member, CircuitBreaker.StateTransition transition) {
        String endpoint = "upstream '" + upstream.name() + "' endpoint " + member.index + " ("
                + upstream.endpoints().get(member.index).host() + ")";
        switch (transition.getToState()) {
            case OPEN -> {
                opened.incrementAndGet();
                String why = transition.getFromState() == CircuitBreaker.State.HALF_OPEN ? "its trial request failed"
                        : config.failures() + " failures in a row";
                LOG.log(System.Logger.Level.WARNING, endpoint + ": skipped for " + config.cooldown().toMillis()
                        + " ms after " + why);
            }
            case HALF_OPEN -> LOG.log(System.Logger.Level.INFO, endpoint + ": sending a trial request");
            case CLOSED -> LOG.log(System.Logger.Level.INFO, endpoint + ": back in use");
            default -> {
            }
        }
    }

    private record Member(int index, CircuitBreaker breaker, AtomicInteger inFlight) {
        Member(int index, CircuitBreaker breaker) {
            this(index, breaker, new AtomicInteger());
        }
    }

    /** A member with its in-flight count read once, so the sort sees consistent values. */
    private record Candidate(Member member, boolean tried, int inFlight) {
    }
}
