package dev.anyrouter.relay;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The relay's clock and timer: the gateway's timer thread and {@link System#nanoTime()}, or in a test a clock
 * advanced and tasks run by hand, so that grace periods, backoffs and timeouts are tested without sleeping.
 */
interface Ticker {

    /** A scheduled task; cancelling one that ran or was cancelled does nothing. */
    interface Task {
        /** No task. */
        Task NONE = () -> { };

        void cancel();
    }

    /** Now, in nanoseconds of an arbitrary origin (as {@link System#nanoTime()}). */
    long nanos();

    /** Runs {@code task} once after {@code delay}. */
    Task once(Runnable task, Duration delay);

    /** Runs {@code task} after {@code first}, then every {@code period}. */
    Task every(Runnable task, Duration first, Duration period);

    static Ticker of(ScheduledExecutorService timer) {
        return new Ticker() {
            @Override
            public long nanos() {
                return System.nanoTime();
            }

            @Override
            public Task once(Runnable task, Duration delay) {
                return cancelling(timer.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS));
            }

            @Override
            public Task every(Runnable task, Duration first, Duration period) {
                return cancelling(timer.scheduleWithFixedDelay(task, first.toNanos(), period.toNanos(),
                        TimeUnit.NANOSECONDS));
            }
        };
    }

    private static Task cancelling(ScheduledFuture<?> future) {
        return () -> future.cancel(false);
    }
}
