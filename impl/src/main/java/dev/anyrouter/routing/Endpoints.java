package dev.anyrouter.routing;

import dev.anyrouter.config.BreakerConfig;
import dev.anyrouter.config.UpstreamConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The endpoints of one provider, each behind its own circuit breaker (Resilience4j), and the choice of the endpoint
 * each try goes to ({@link #acquire}).
 *
 * <p>The choice: endpoints this request has not tried yet first, then those not parked by a 429, then the fewest
 * requests in flight, taking turns among equals (so long streams do not pile up on one endpoint). An endpoint whose
 * breaker is open is passed over for one that is not. A breaker opens when {@code failureRate} percent of at least
 * {@code minRequests} requests in the sliding window failed ({@link Verdict}); after the cool-down one request is let
 * through as its trial, and its success closes it.
 *
 * <p>A breaker steers traffic; it never refuses it. When every endpoint's breaker is open, the try goes to the
 * endpoint whose breaker opened longest ago: the first such try on an endpoint is its trial (its success closes the
 * breaker, its failure sends the next trial to another endpoint), and further tries while the trial is in flight go
 * there without a verdict. With one endpoint, a breaker therefore changes nothing about who is served; it only shows
 * in the metrics.
 */
public final class Endpoints {

    private static final System.Logger LOG = System.getLogger(Endpoints.class.getName());

    private final UpstreamConfig upstream;
    private final BreakerConfig config;
    private final Clock clock;
    private final List<Member> members = new ArrayList<>();
    private final AtomicInteger turn = new AtomicInteger();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong allOpen = new AtomicLong();
    private final AtomicLong opened = new AtomicLong();
    private final AtomicLong parked = new AtomicLong();

    Endpoints(UpstreamConfig upstream, BreakerConfig config) {
        this(upstream, config, Clock.systemUTC());
    }

    /** @param clock the breakers' time (window, cool-down), parking's and the order of open endpoints */
    Endpoints(UpstreamConfig upstream, BreakerConfig config, Clock clock) {
        this.upstream = upstream;
        this.config = config;
        this.clock = clock;
        CircuitBreakerConfig breakers = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
                .slidingWindowSize((int) Math.max(1, config.window().toSeconds()))
                .minimumNumberOfCalls(config.minRequests())
                .failureRateThreshold(Math.max(1, config.failureRate()))
                // Slowness is the timeouts' business; a slow answer is still an answer.
                .slowCallDurationThreshold(Duration.ofDays(1))
                .waitDurationInOpenState(config.cooldown())
                .permittedNumberOfCallsInHalfOpenState(1)
                .clock(clock)
                .build(); // no automatic move to half-open: it would need a thread; the next request makes it
        for (int i = 0; i < upstream.endpoints().size(); i++) {
            CircuitBreaker breaker = CircuitBreaker.of(upstream.name() + "#" + i, breakers);
            if (!config.enabled()) {
                breaker.transitionToDisabledState();
            }
            Member member = new Member(i, upstream.endpoints().get(i), breaker);
            breaker.getEventPublisher().onStateTransition(event -> changed(member, event.getStateTransition()));
            members.add(member);
        }
    }

    /**
     * Takes the endpoint the next try of a request goes to; {@code tried} holds the endpoints this request tried
     * already (a retry there gives no second verdict: one request counts once per endpoint). Never refuses. The lease
     * must be closed when the request is done with the endpoint.
     */
    public Lease acquire(Set<Integer> tried) {
        long now = clock.millis();
        int start = Math.floorMod(turn.getAndIncrement(), members.size());
        List<Candidate> candidates = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            Member member = members.get((start + i) % members.size());
            candidates.add(new Candidate(member, tried.contains(member.index), member.parked(now),
                    member.inFlight.get()));
        }
        candidates.sort(Comparator.comparing(Candidate::tried).thenComparing(Candidate::parked)
                .thenComparingInt(Candidate::inFlight));
        for (int i = 0; i < candidates.size(); i++) {
            Candidate candidate = candidates.get(i);
            // Asked in order, so only the endpoint chosen uses up a half-open breaker's trial.
            if (candidate.member.breaker.tryAcquirePermission()) {
                if (i > 0) {
                    skipped.incrementAndGet();
                }
                return new Lease(this, candidate.member, candidate.tried ? Lease.Kind.UNJUDGED : Lease.Kind.JUDGED);
            }
        }
        return anyway(tried);
    }

    /** Every breaker is open: the endpoint whose breaker opened longest ago, as its trial if it has none yet. */
    private Lease anyway(Set<Integer> tried) {
        allOpen.incrementAndGet();
        Member chosen = members.stream().min(Comparator.comparing((Member m) -> tried.contains(m.index))
                .thenComparing(Member::trialInFlight).thenComparingLong(m -> m.openedAt)).orElseThrow();
        boolean trial = !tried.contains(chosen.index) && chosen.startTrial();
        return new Lease(this, chosen, trial ? Lease.Kind.TRIAL : Lease.Kind.UNPERMITTED);
    }

    /** Endpoints being passed over now, or waiting for their trial request's answer. */
    public int open() {
        return (int) members.stream().filter(m -> m.breaker.getState() == CircuitBreaker.State.OPEN
                || m.breaker.getState() == CircuitBreaker.State.HALF_OPEN).count();
    }

    /** How many tries went to another endpoint than the first choice, because its breaker was open. */
    public long skipped() {
        return skipped.get();
    }

    /** Whether every endpoint's breaker is open now: a request with fallback models tries those first. */
    public boolean everyOpen() {
        return members.stream().allMatch(m -> m.breaker.getState() == CircuitBreaker.State.OPEN);
    }

    /** How many tries went to an endpoint whose breaker was open, because every endpoint's was. */
    public long allOpenTries() {
        return allOpen.get();
    }

    /** How many times an endpoint's breaker opened. */
    public long opened() {
        return opened.get();
    }

    /** How many 429s parked an endpoint. */
    public long parked() {
        return parked.get();
    }

    /** How many endpoints the provider has. */
    public int size() {
        return members.size();
    }

    public String provider() {
        return upstream.name();
    }

    /** A 429 from {@code member}: passed over for {@code retryAfter}, or the configured default, when it can be. */
    void park(Member member, Duration retryAfter) {
        Duration wait = retryAfter == null ? config.park() : retryAfter;
        member.parkedUntil = clock.millis() + Math.min(wait.toMillis(), Duration.ofMinutes(10).toMillis());
        parked.incrementAndGet();
    }

    /** A trial sent while every breaker was open ended: success closes the breaker, failure passes the turn on. */
    void trialEnded(Member member, Boolean healthy) {
        synchronized (member) {
            member.trial = false;
            if (healthy == null) {
                return;
            }
            if (healthy && member.breaker.getState() == CircuitBreaker.State.OPEN) {
                member.breaker.transitionToClosedState();
            } else if (!healthy) {
                member.openedAt = clock.millis(); // the next trial goes to the endpoint open longest
            }
        }
    }

    /** Logs each change; endpoints are named by index and host, never by key. */
    private void changed(Member member, CircuitBreaker.StateTransition transition) {
        String endpoint = "upstream '" + upstream.name() + "' endpoint " + member.index + " ("
                + member.endpoint.host() + ")";
        switch (transition.getToState()) {
            case OPEN -> {
                member.openedAt = clock.millis();
                opened.incrementAndGet();
                String why = transition.getFromState() == CircuitBreaker.State.HALF_OPEN ? "its trial request failed"
                        : "at least " + config.failureRate() + " % of its requests in the last "
                                + config.window().toSeconds() + " s failed";
                LOG.log(System.Logger.Level.WARNING, endpoint + ": passed over for " + config.cooldown().toMillis()
                        + " ms while another endpoint can serve, after " + why);
            }
            case HALF_OPEN -> LOG.log(System.Logger.Level.INFO, endpoint + ": sending a trial request");
            case CLOSED -> LOG.log(System.Logger.Level.INFO, endpoint + ": back in use");
            default -> {
            }
        }
    }

    /** One endpoint with its breaker and what the choice needs to know of it. */
    static final class Member {
        final int index;
        final dev.anyrouter.config.Endpoint endpoint;
        final CircuitBreaker breaker;
        final AtomicInteger inFlight = new AtomicInteger();
        /** Whether the endpoint's last verdict (of any request) was a failure: a 500 after one counts. */
        volatile boolean lastFailed;
        /** Clock millis until which a 429 parks the endpoint, and when its breaker last opened. */
        volatile long parkedUntil;
        volatile long openedAt;
        private boolean trial;

        Member(int index, dev.anyrouter.config.Endpoint endpoint, CircuitBreaker breaker) {
            this.index = index;
            this.endpoint = endpoint;
            this.breaker = breaker;
        }

        boolean parked(long now) {
            return now - parkedUntil < 0;
        }

        synchronized boolean trialInFlight() {
            return trial || breaker.getState() == CircuitBreaker.State.HALF_OPEN;
        }

        synchronized boolean startTrial() {
            if (trialInFlight()) {
                return false;
            }
            trial = true;
            return true;
        }
    }

    /** A member with its in-flight count read once, so the sort sees consistent values. */
    private record Candidate(Member member, boolean tried, boolean parked, int inFlight) {
    }
}
