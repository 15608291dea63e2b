package dev.anyrouter.rest;

import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.errors.Refusal;
import dev.anyrouter.engine.RelayLimit;
import dev.anyrouter.limits.StreamCaps;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Takes a request's place once Jersey has matched it to a {@link Relayed} method — a {@link StreamCaps} slot (the
 * caps on requests in flight per key and in all) and a place in the {@link RelayLimit} — so a full gateway or key
 * answers 503 before a relay thread is asked for and before anything reaches the upstream; every place taken is
 * given back by that method ({@link #release}). Also refuses a request that reached the method without a parsed
 * body (a path variant {@link RequestBodyFilter} does not serve). Runs on a container thread and never blocks.
 */
@Relayed
@Priority(Priorities.USER)
final class RelayAdmissionFilter implements ContainerRequestFilter {

    private final RelayLimit limit;
    private final StreamCaps caps;

    RelayAdmissionFilter(RelayLimit limit, StreamCaps caps) {
        this.limit = limit;
        this.caps = caps;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        RequestState state = RequestState.of(request);
        if (state.client() == null) {
            throw GatewayException.invalid(404, ErrorTypes.NOT_FOUND, "no such endpoint");
        }
        StreamCaps.Slot slot = caps.take(state.key());
        if (!limit.tryAcquire()) {
            slot.release();
            throw GatewayException.refused(Refusal.RELAY_THREADS, 503, ErrorTypes.OVERLOADED,
                    "the gateway is at its stream capacity; retry later", Optional.empty());
        }
        state.relayPermit(new Permit(limit, slot));
    }

    /**
     * The request's place. Take it at the start of the method: once an event stream is committed Jersey
     * releases the request's properties, so it cannot be looked up at the end.
     */
    static Permit permit(ContainerRequestContext request) {
        return RequestState.of(request).relayPermit();
    }

    /**
     * One request's place in the {@link RelayLimit}, held while it has a relay thread, and its {@link StreamCaps}
     * slot, held until it ends; each given back once.
     */
    static final class Permit {
        private final RelayLimit limit;
        private final StreamCaps.Slot slot;
        private final AtomicBoolean thread = new AtomicBoolean(true);
        private final AtomicBoolean held = new AtomicBoolean(true);

        private Permit(RelayLimit limit, StreamCaps.Slot slot) {
            this.limit = limit;
            this.slot = slot;
        }

        /** The request no longer holds its relay thread: its relay has started, and goes on as steps. */
        void threadDone() {
            if (thread.compareAndSet(true, false)) {
                limit.release();
            }
        }

        void release() {
            threadDone();
            if (held.compareAndSet(true, false)) {
                slot.release();
            }
        }
    }
}
