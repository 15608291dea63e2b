package dev.anyrouter.relay;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's {@link Ticker}: one task on the timer thread sweeps every relay's timers (held-200 grace,
 * keep-alives, idle and total timeouts, pauses between tries) every {@value #PERIOD_MS} ms, instead of one scheduled
 * task per stream. A task runs at most one sweep period late; cancelling it is a removal from a set.
 */
final class Sweep implements Ticker {

    private static final System.Logger LOG = System.getLogger(Sweep.class.getName());
    static final long PERIOD_MS = 20;

    private final Set<Entry> entries = ConcurrentHashMap.newKeySet();

    Sweep(ScheduledExecutorService timer) {
        timer.scheduleWithFixedDelay(this::sweep, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public long nanos() {
        return System.nanoTime();
    }

    @Override
    public Task once(Runnable task, Duration delay) {
        return add(new Entry(task, nanos() + Math.max(0, delay.toNanos()), 0));
    }

    @Override
    public Task every(Runnable task, Duration first, Duration period) {
        return add(new Entry(task, nanos() + first.toNanos(), Math.max(1, period.toNanos())));
    }

    private Task add(Entry entry) {
        entries.add(entry);
        return () -> entries.remove(entry);
    }

    /** Runs what is due; a task that fails is logged and the others still run. */
    private void sweep() {
        long now = nanos();
        for (Entry entry : entries) {
            if (now - entry.due < 0) {
                continue;
            }
            if (entry.period > 0) {
                entry.due = now + entry.period;
            } else if (!entries.remove(entry)) {
                continue; // cancelled meanwhile
            }
            try {
                entry.task.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "a relay's timer task failed", e);
            }
        }
    }

    /** One timer: what runs, when next, and how often ({@code 0}: once). */
    private static final class Entry {
        private final Runnable task;
        private final long period;
        private volatile long due;

        Entry(Runnable task, long due, long period) {
            this.task = task;
            this.due = due;
            this.period = period;
        }
    }
}
