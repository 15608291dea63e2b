package dev.anyrouter.relay;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The relays running now, with how to stop each, and the gateway's drain: once {@link #drain} begins new requests
 * are refused, and the relays still running when its grace is over are stopped.
 */
public final class RunningRelays {

    private static final System.Logger LOG = System.getLogger(RunningRelays.class.getName());
    /** How long the relays stopped by a drain or a close may take to end and bill. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(2);

    private final OpenCount active = new OpenCount();
    private final Set<Runnable> stoppers = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;

    /** A relay began; {@code stopper} ends it at shutdown. */
    void started(Runnable stopper) {
        active.opened();
        stoppers.add(stopper);
    }

    /** The relay that began with {@code stopper} has ended; once only, so that a drain never counts it out twice. */
    void ended(Runnable stopper) {
        if (stoppers.remove(stopper)) {
            active.closed();
        }
    }

    /** Requests whose relay (upstream exchange and client writes) is running now. */
    public int active() {
        return active.get();
    }

    /**
     * True once {@link #drain} (or {@link #stop}) began: new requests are refused with a 503, and the gateway's own
     * simulator and connections close under the streams it ends.
     */
    public boolean draining() {
        return draining;
    }

    /**
     * Refuses new requests, lets running ones finish for up to {@code grace}, then ends the rest (their clients get
     * an error event, their upstreams are aborted) and waits briefly for them to bill.
     */
    public void drain(Duration grace) {
        draining = true;
        if (!active.awaitNone(grace)) {
            LOG.log(System.Logger.Level.INFO, "shutdown: ending " + active.get() + " requests still running");
            stoppers.forEach(Runnable::run);
            active.awaitNone(STOP_WAIT);
        }
    }

    /** Refuses new requests and ends the running ones at once, waiting briefly for them to bill. */
    public void stop() {
        draining = true;
        stoppers.forEach(Runnable::run); // what is still running ends with an error event, its upstream aborted
        active.awaitNone(STOP_WAIT);
    }
}
