package dev.anyrouter.routing;

/**
 * How a try went, as far as its endpoint's health is concerned. Only an endpoint's own failures open its breaker;
 * a failure that depends on the request, or a rate limit, says nothing about the endpoint's health.
 */
public enum Verdict {
    /** The endpoint answered: a success, any 4xx, or an error its body says is the request's (an invalid request). */
    ANSWERED,
    /** The endpoint failed: unreachable, timed out, or answered 502, 503, 504 or 529. */
    FAILED,
    /**
     * A 500 (or another 5xx): the request's fault (a prompt the model cannot take) or the endpoint's. It counts as a
     * failure only when the endpoint's previous verdict, from another request, was a failure too.
     */
    SUSPECT,
    /** A 429: the endpoint is parked for its {@code Retry-After}; not a failure. */
    RATE_LIMITED
}
