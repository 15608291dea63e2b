/**
 * Where a request goes: {@link dev.anyrouter.routing.Router} maps a model id (a {@code provider/model}, a route
 * alias or a bare id for the default provider) to its providers, {@link dev.anyrouter.routing.Endpoints} spreads
 * the tries over a provider's endpoints behind circuit breakers, and a {@link dev.anyrouter.routing.Lease} carries
 * one try's {@link dev.anyrouter.routing.Verdict} back to its breaker. The rules are in docs/resilience.md.
 */
package dev.anyrouter.routing;
