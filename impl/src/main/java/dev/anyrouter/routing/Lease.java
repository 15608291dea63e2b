package dev.anyrouter.routing;

import dev.anyrouter.config.Endpoint;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One try's use of one endpoint, from {@link Endpoints#acquire} until {@link #close()}: counts as in flight
 * meanwhile, and gives the endpoint's breaker the try's {@link Verdict}, at most once. A lease closed without a
 * verdict (the client left, the gateway stopped) gives its permission back without counting either way.
 */
public final class Lease implements AutoCloseable {

    /** Whose verdict the lease gives, and whether it holds a breaker permission. */
    enum Kind {
        /** The request's first try on this endpoint, let through by its breaker: the verdict counts. */
        JUDGED,
        /** A retry on an endpoint this request tried already: its verdict was given. */
        UNJUDGED,
        /** Every breaker is open, and this try is the endpoint's trial: success closes the breaker. */
        TRIAL,
        /** Every breaker is open and this endpoint's trial is in flight: sent without a verdict. */
        UNPERMITTED
    }

    private final Endpoints endpoints;
    private final Endpoints.Member member;
    private final Kind kind;
    private final long start;
    private boolean judged;
    private boolean closed;

    Lease(Endpoints endpoints, Endpoints.Member member, Kind kind) {
        this.endpoints = endpoints;
        this.member = member;
        this.kind = kind;
        this.start = System.nanoTime();
        member.inFlight.incrementAndGet();
    }

    public Endpoint endpoint() {
        return member.endpoint;
    }

    /** The endpoint's position in its provider's list. */
    public int index() {
        return member.index;
    }

    /** The endpoint answered (a success, or a refusal that is the request's fault, not the endpoint's). */
    public void answered() {
        judge(Verdict.ANSWERED, null, null);
    }

    /**
     * How the try went; {@code retryAfter} is the upstream's wait for a {@link Verdict#RATE_LIMITED} try, or
     * {@code null} for the configured default.
     */
    public synchronized void judge(Verdict verdict, Throwable failure, Duration retryAfter) {
        if (judged || closed) {
            return;
        }
        judged = true;
        if (verdict == Verdict.RATE_LIMITED) {
            endpoints.park(member, retryAfter);
        }
        boolean failed = verdict == Verdict.FAILED || verdict == Verdict.SUSPECT && member.lastFailed;
        boolean counts = verdict != Verdict.RATE_LIMITED && !(verdict == Verdict.SUSPECT && !failed);
        switch (kind) {
            case JUDGED -> {
                if (!counts) {
                    member.breaker.releasePermission();
                } else if (failed) {
                    member.breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, failure);
                } else {
                    member.breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                }
            }
            case UNJUDGED -> member.breaker.releasePermission();
            case TRIAL -> endpoints.trialEnded(member, counts ? !failed : null);
            case UNPERMITTED -> {
            }
        }
        if (kind == Kind.JUDGED || kind == Kind.TRIAL) {
            // A suspect 500 marks the endpoint, so that the next one, from another request, counts.
            member.lastFailed = verdict == Verdict.FAILED || verdict == Verdict.SUSPECT
                    || verdict == Verdict.RATE_LIMITED && member.lastFailed;
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        member.inFlight.decrementAndGet();
        if (!judged) {
            switch (kind) {
                case JUDGED, UNJUDGED -> member.breaker.releasePermission();
                case TRIAL -> endpoints.trialEnded(member, null);
                case UNPERMITTED -> {
                }
            }
        }
    }
}
