package dev.anyrouter.relay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** A clock that moves only when told, and a timer whose tasks run on the thread that moves it. */
final class ManualTicker implements Ticker {

    private final List<Scheduled> tasks = new ArrayList<>();
    private long now;

    private final class Scheduled implements Task {
        final Runnable task;
        final long period;
        final long delay;
        long due;

        Scheduled(Runnable task, long due, long period, long delay) {
            this.task = task;
            this.due = due;
            this.period = period;
            this.delay = delay;
        }

        @Override
        public void cancel() {
            synchronized (ManualTicker.this) {
                tasks.remove(this);
            }
        }
    }

    @Override
    public synchronized long nanos() {
        return now;
    }

    @Override
    public synchronized Task once(Runnable task, Duration delay) {
        Scheduled scheduled = new Scheduled(task, now + delay.toNanos(), 0, delay.toNanos());
        tasks.add(scheduled);
        return scheduled;
    }

    @Override
    public synchronized Task every(Runnable task, Duration first, Duration period) {
        Scheduled scheduled = new Scheduled(task, now + first.toNanos(), period.toNanos(), first.toNanos());
        tasks.add(scheduled);
        return scheduled;
    }

    /** Whether a one-off task scheduled with {@code delay} is waiting to run. */
    synchronized boolean pending(Duration delay) {
        return tasks.stream().anyMatch(t -> t.period == 0 && t.delay == delay.toNanos());
    }

    /** Moves the clock by {@code step}, running each task that falls due, in order, at its own time. */
    void advance(Duration step) {
        long target;
        synchronized (this) {
            target = now + step.toNanos();
        }
        while (true) {
            Scheduled next;
            synchronized (this) {
                Optional<Scheduled> first = tasks.stream().filter(t -> t.due <= target)
                        .min(Comparator.comparingLong(t -> t.due));
                if (first.isEmpty()) {
                    now = target;
                    return;
                }
                next = first.get();
                now = next.due;
                if (next.period > 0) {
                    next.due += next.period;
                } else {
                    tasks.remove(next);
                }
            }
            next.task.run();
        }
    }
}
