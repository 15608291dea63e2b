package dev.anyrouter.limits;

import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.errors.Refusal;
import dev.anyrouter.config.LimitsConfig;
import dev.anyrouter.store.ClientKey;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps on the requests in flight on this replica, streamed or not: per key ({@code ANYROUTER_MAX_STREAMS_PER_KEY})
 * and in all ({@code ANYROUTER_MAX_STREAMS}); 0 is no cap. A request takes a {@link Slot} before anything reaches
 * the upstream and gives it back when it ends, whatever the end. Never blocks.
 */
public final class StreamCaps {

    private final int perKey;
    private final int total;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ConcurrentMap<String, Integer> byKey = new ConcurrentHashMap<>();

    public StreamCaps(LimitsConfig config) {
        this.perKey = config.maxStreamsPerKey();
        this.total = config.maxStreams();
    }

    /** A place for one request of {@code key}, or a 503 ({@code Retry-After: 1}) when a cap is reached. */
    public Slot take(ClientKey key) {
        if (!takeTotal()) {
            throw full(Refusal.GLOBAL_STREAMS, "the gateway has " + total + " requests in flight, the most it takes at once; retry shortly");
        }
        if (perKey > 0 && !takeKey(key.id())) {
            inFlight.decrementAndGet();
            throw full(Refusal.KEY_STREAMS, "key '" + key.label() + "' has " + perKey
                    + " requests in flight, the most it may have at once; retry when one ends");
        }
        return new Slot(key.id());
    }

    /** Requests holding a slot now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Requests of the key {@code keyId} holding a slot now (counted only under a per-key cap). */
    public int inFlight(String keyId) {
        return byKey.getOrDefault(keyId, 0);
    }

    private boolean takeTotal() {
        while (true) {
            int n = inFlight.get();
            if (total > 0 && n >= total) {
                return false;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    private boolean takeKey(String keyId) {
        boolean[] taken = {false};
        byKey.compute(keyId, (id, n) -> {
            int count = n == null ? 0 : n;
            if (count >= perKey) {
                return n;
            }
            taken[0] = true;
            return count + 1;
        });
        return taken[0];
    }

    private void release(String keyId) {
        if (perKey > 0) {
            byKey.computeIfPresent(keyId, (id, n) -> n <= 1 ? null : n - 1);
        }
        inFlight.decrementAndGet();
    }

    private static GatewayException full(Refusal reason, String message) {
        return GatewayException.refused(reason, 503, ErrorTypes.OVERLOADED, message, Optional.of("1"));
    }

    /** One request's place; given back once, however often {@link #release()} is called. */
    public final class Slot {
        private final String keyId;
        private final AtomicBoolean held = new AtomicBoolean(true);

        private Slot(String keyId) {
            this.keyId = keyId;
        }

        public void release() {
            if (held.compareAndSet(true, false)) {
                StreamCaps.this.release(keyId);
            }
        }
    }
}
