package dev.anyrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ThreadsTest {

    @Test
    void runsRelaysOnVirtualThreadsFromJdk21AndOnNamedPlatformThreadsBefore() throws Exception {
        ExecutorService relays = Threads.perTask("test-relay");
        try {
            Thread thread = relays.submit(Thread::currentThread).get(5, TimeUnit.SECONDS);

            assertThat(thread.getName()).startsWith("test-relay-");
            boolean virtual = (boolean) Thread.class.getMethod("isVirtual").invoke(thread);
            assertThat(virtual).isEqualTo(Runtime.version().feature() >= 21);
        } catch (NoSuchMethodException jdk17) {
            assertThat(Runtime.version().feature()).isLessThan(19);
        } finally {
            relays.shutdownNow();
        }
    }
}
