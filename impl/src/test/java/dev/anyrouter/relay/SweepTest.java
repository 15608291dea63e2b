package dev.anyrouter.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The one sweep that runs every relay's timers. */
class SweepTest {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final Sweep sweep = new Sweep(timer);

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    @Test
    void runsATaskOnceWhenDueAndNeverOnceCancelled() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        AtomicInteger cancelledRuns = new AtomicInteger();
        long start = System.nanoTime();
        sweep.once(ran::countDown, Duration.ofMillis(60));
        sweep.once(cancelledRuns::incrementAndGet, Duration.ofMillis(60)).cancel();
        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(60));
        Thread.sleep(3 * Sweep.PERIOD_MS);
        assertThat(cancelledRuns).hasValue(0);
    }

    @Test
    void repeatsATaskUntilCancelledAndAFailingTaskStopsNoOther() throws Exception {
        CountDownLatch thrice = new CountDownLatch(3);
        AtomicInteger runs = new AtomicInteger();
        sweep.every(() -> {
            throw new IllegalStateException("a broken task");
        }, Duration.ZERO, Duration.ofMillis(1));
        Ticker.Task task = sweep.every(() -> {
            runs.incrementAndGet();
            thrice.countDown();
        }, Duration.ZERO, Duration.ofMillis(1));
        assertThat(thrice.await(5, TimeUnit.SECONDS)).isTrue();
        task.cancel();
        int atCancel = runs.get();
        Thread.sleep(5 * Sweep.PERIOD_MS);
        assertThat(runs.get()).isLessThanOrEqualTo(atCancel + 1); // at most the sweep under way as it was cancelled
    }
}
