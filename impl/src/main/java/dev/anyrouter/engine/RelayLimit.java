package dev.anyrouter.engine;

import java.util.concurrent.Semaphore;

/**
 * How many relayed requests may be admitted at once, each on a relay thread. On JDK 17 a request holds a platform
 * thread while it is admitted (which may wait on the database), so the configured number caps those; a request over
 * it is answered 503 before a thread is asked for. It gives its place back once its relay has started: nothing
 * waits for the upstream (docs/decisions/held-response.md). On JDK 21+ relays run on virtual threads and the limit is
 * off.
 */
public final class RelayLimit {

    private final Semaphore permits;

    private RelayLimit(Semaphore permits) {
        this.permits = permits;
    }

    static RelayLimit of(int platformThreads) {
        return new RelayLimit(Threads.virtual() ? null : new Semaphore(platformThreads));
    }

    /** Takes a place, or returns false when every place is taken. */
    public boolean tryAcquire() {
        return permits == null || permits.tryAcquire();
    }

    /** Gives back a place taken by {@link #tryAcquire()}. */
    public void release() {
        if (permits != null) {
            permits.release();
        }
    }
}
