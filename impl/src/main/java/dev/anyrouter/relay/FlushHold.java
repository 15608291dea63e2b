package dev.anyrouter.relay;

/**
 * Lets a relay write several events with one flush, as a byte proxy does: while it holds, the flushes Jersey
 * makes after each event are skipped (the bytes gather in the container's response buffer), and
 * after {@link #release()} the relay's next write flushes it all. The relay releases before every read that may
 * wait for the upstream, so nothing is held while it waits. Given to each request by the {@code GatewayFilter} servlet filter.
 */
public final class FlushHold {

    private volatile boolean holding;
    private volatile boolean skipped;

    /** Called by the response stream instead of flushing: true when the flush is to be skipped. */
    public boolean skipFlush() {
        if (holding) {
            skipped = true;
            return true;
        }
        skipped = false;
        return false;
    }

    /** Holds the next flushes, or lets them through (what an earlier one skipped stays pending). */
    void hold(boolean on) {
        holding = on;
    }

    /** Stops holding; true when a flush was skipped since the last real one, so something waits unflushed. */
    boolean release() {
        holding = false;
        boolean pending = skipped;
        skipped = false;
        return pending;
    }
}
