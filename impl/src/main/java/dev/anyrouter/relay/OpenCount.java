package dev.anyrouter.relay;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** How many of something are open now, and a stop's wait for none to be: relays running, responses not ended. */
public final class OpenCount {

    private final AtomicInteger open = new AtomicInteger();

    public void opened() {
        open.incrementAndGet();
    }

    public void closed() {
        open.decrementAndGet();
    }

    public int get() {
        return open.get();
    }

    /** Waits up to {@code wait} until none is open; false if some still are (or the wait was interrupted). */
    public boolean awaitNone(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (open.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return open.get() == 0;
    }
}
