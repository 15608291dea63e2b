package dev.anyrouter.rest;

import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The end of a request's async cycle: runs an action once when it comes (a relay's {@code clientGone}: Jetty reports
 * a vanished client as complete, Tomcat as an error), and keeps the request's own threads off its response from
 * then on.
 *
 * <p>Why: relays, keep-alive writers and the simulator write from their own threads, and the container ends a
 * cycle on its own thread whenever it sees the client gone. Tomcat then recycles the request's processor and
 * output buffer for the next connection at once; its discarded facades refuse a write that starts afterwards,
 * not one already inside the output buffer, and about one stream in six started right after a cancelled one was
 * cut off or hung. So the response stream ({@link ResponseOutput}) lets one write, flush or close in at a time
 * ({@link #enter}, {@link #leave}); the container's end (its listeners run before it recycles anything) waits for
 * the one in progress, and later ones fail with an {@link IOException}, as on a closed connection.
 * docs/decisions/async-end.md tells the story.
 */
final class AsyncEnd {

    /** Held by a write, flush or close of the response stream, and by the end while it takes effect. */
    private final ReentrantLock response = new ReentrantLock();
    private Runnable action;
    private boolean ended;

    /** Sets what to do when the cycle ends; runs it now if it already has. */
    void onEnd(Runnable onEnd) {
        synchronized (this) {
            if (!ended) {
                action = onEnd;
                return;
            }
        }
        onEnd.run();
    }

    /** The container ended the cycle ({@link GatewayFilter} hears of it): waits for a write in progress. */
    void end() {
        Runnable run;
        response.lock(); // waits for a write in progress: the container may recycle the response next
        try {
            synchronized (this) {
                ended = true;
                run = action;
                action = null;
            }
        } finally {
            response.unlock();
        }
        if (run != null) {
            run.run();
        }
    }

    /** Takes the response stream for one write, flush or close; throws once the cycle has ended. */
    void enter() throws IOException {
        response.lock();
        boolean over;
        synchronized (this) {
            over = ended;
        }
        if (over) {
            response.unlock();
            throw new IOException("the request's async cycle has ended");
        }
    }

    void leave() {
        response.unlock();
    }
}
