package dev.anyrouter.upstream;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The switch that aborts one upstream exchange from any thread, in any phase: while the request is sent or its
 * headers are awaited (the Jetty request is aborted, so the waiting {@link UpstreamClient#open} fails at once), and
 * while its body is read (the body stream is closed, so a blocked read fails). Thrown once; an abort before the
 * exchange began aborts it as it begins. No thread is interrupted.
 */
public final class Abort {

    static final String PROPERTY = "dev.anyrouter.upstream.abort";

    private final AtomicBoolean aborted = new AtomicBoolean();
    private volatile Runnable action = () -> { };

    /** Aborts the exchange now, whatever it is doing; safe from any thread, any number of times. */
    public void abort() {
        if (aborted.compareAndSet(false, true)) {
            action.run();
        }
    }

    public boolean aborted() {
        return aborted.get();
    }

    /**
     * How to abort the exchange in its current phase (set by the connector, or by a test's fake upstream); runs at
     * once when the switch was thrown already.
     */
    public void onAbort(Runnable how) {
        action = how;
        if (aborted.get()) {
            how.run();
        }
    }
}
