package dev.anyrouter.relay;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The relay's clock and timer: one sweep on the gateway's timer thread and {@link System#nanoTime()}, or in a test a
 * clock advanced and tasks run by hand, so that grace periods, backoffs and timeouts are tested without sleeping.
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

    /** The gateway's: one sweep of every relay's timers on {@code timer} ({@link Sweep}). */
    static Ticker of(ScheduledExecutorService timer) {
        return new Sweep(timer);
    }
}
