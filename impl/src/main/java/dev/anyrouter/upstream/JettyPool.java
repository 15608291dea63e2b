package dev.anyrouter.upstream;

import org.eclipse.jetty.util.VirtualThreads;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The Jetty thread pools: the upstream client's and the embedded server's. Their tasks run on virtual threads on
 * JDK 21+. On JDK 17 their idle threads retire after 10 s, all at once: Jetty's default retires one a minute, so a
 * burst of stream openings would leave a pool at its maximum long after the burst.
 */
public final class JettyPool {

    private static final int IDLE_MILLIS = 10_000;

    private JettyPool() {
    }

    /** A pool named {@code name} of at most {@code maxThreads}. */
    public static QueuedThreadPool of(String name, int maxThreads) {
        QueuedThreadPool pool = new QueuedThreadPool(maxThreads);
        pool.setName(name);
        pool.setIdleTimeout(IDLE_MILLIS);
        pool.setMaxEvictCount(maxThreads);
        if (VirtualThreads.areSupported()) {
            pool.setVirtualThreadsExecutor(VirtualThreads.getNamedVirtualThreadsExecutor(name + "-v"));
        }
        return pool;
    }
}
