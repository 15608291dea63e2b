package dev.anyrouter.engine;

import java.util.concurrent.Semaphore;

/**
 * How many requests may hold a relay thread at once. On JDK 17 a request holds a platform thread until its stream
 * is committed and its first event relayed (a JSON answer: to its end), so the configured number caps those; a
 * request over it is answered 503 before a thread is asked for. A stream then goes on without a thread and gives its
 * place back. On JDK 21+ relays run on virtual threads and the limit is off.
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
