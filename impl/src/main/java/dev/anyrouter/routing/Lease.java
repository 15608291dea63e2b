package dev.anyrouter.routing;

import dev.anyrouter.config.Endpoint;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One request's use of one endpoint, from {@link Endpoints#acquire} until {@link #close()}: counts as in flight
 * meanwhile, and tells the endpoint's breaker how the try went — at most once. A lease closed without a verdict
 * (the client left, the gateway stopped) gives its permission back without counting either way.
 */
public final class Lease implements AutoCloseable {

    private final Endpoint endpoint;
    private final int index;
    private final CircuitBreaker breaker;
    private final AtomicInteger inFlight;
    private final long start = System.nanoTime();
    private boolean judged;
    private boolean closed;

    Lease(Endpoint endpoint, int index, CircuitBreaker breaker, AtomicInteger inFlight) {
        this.endpoint = endpoint;
        this.index = index;
        this.breaker = breaker;
        this.inFlight = inFlight;
        inFlight.incrementAndGet();
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    /** The endpoint's position in its provider's list. */
    public int index() {
        return index;
    }

    /** The endpoint answered (a success, or a refusal that is the request's fault, not the endpoint's). */
    public synchronized void answered() {
        if (!judged && !closed) {
            judged = true;
            breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    /** The endpoint failed: unreachable, timed out, overloaded, rate limiting, a 5xx, or refused its key. */
    public synchronized void failed(Throwable failure) {
        if (!judged && !closed) {
            judged = true;
            breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, failure);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        inFlight.decrementAndGet();
        if (!judged) {
            breaker.releasePermission();
        }
    }
}
