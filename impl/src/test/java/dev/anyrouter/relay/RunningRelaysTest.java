package dev.anyrouter.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The count a drain waits on. */
class RunningRelaysTest {

    /**
     * A relay counted out twice made a drain end while two others still ran (AppServerIT's SIGTERM test: their
     * streams were cut, and Jersey stopped under them).
     */
    @Test
    void aRelayIsCountedOutOnceAndTheDrainWaitsForTheOthers() {
        RunningRelays running = new RunningRelays();
        AtomicInteger stopped = new AtomicInteger();
        Runnable first = stopped::incrementAndGet;
        Runnable second = stopped::incrementAndGet;
        running.started(first);
        running.started(second);

        running.ended(first);
        running.ended(first);
        assertThat(running.active()).as("the second still runs").isEqualTo(1);

        running.drain(Duration.ofMillis(50));
        assertThat(stopped).as("past the grace, the one still running is stopped").hasValue(1);
        running.ended(second);
        assertThat(running.active()).isZero();
    }
}
