package dev.anyrouter.rest;

import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.errors.Refusal;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * Caps the {@link Bounded} requests that run at once. They run on the relay executor ({@code @ManagedAsync}),
 * which on JDK 17 starts a platform thread per task, and they wait on the database: without a cap, 3,000 clients
 * of {@code /api/v1/key} made 2,552 threads. The request over the cap gets a 503 ({@code overloaded_error},
 * {@code Retry-After: 1}) on the container thread, before a relay thread is asked for; a place is given back when
 * the response is ready. The completions have their own cap ({@link RelayAdmissionFilter}).
 */
@Bounded
@Priority(Priorities.USER)
final class BoundedAdmissionFilter implements ContainerRequestFilter, ContainerResponseFilter {

    /** The most {@link Bounded} requests at once. */
    static final int MAX = 64;

    private final Semaphore places = new Semaphore(MAX);

    @Override
    public void filter(ContainerRequestContext request) {
        if (!places.tryAcquire()) {
            throw GatewayException.refused(Refusal.RELAY_THREADS, 503, ErrorTypes.OVERLOADED, "the gateway is "
                    + "answering its most account, admin and readiness requests at once (" + MAX + "); retry "
                    + "shortly", Optional.of("1"));
        }
        RequestState.of(request).boundedPlace();
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (RequestState.of(request).releaseBoundedPlace()) {
            places.release();
        }
    }

    /** Places free now. */
    int free() {
        return places.availablePermits();
    }
}
