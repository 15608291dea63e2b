package dev.anyrouter.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AccessLogTest {

    private static final AtomicInteger LOGGERS = new AtomicInteger();

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<String> threads = new CopyOnWriteArrayList<>();
    private final AtomicInteger flushes = new AtomicInteger();
    private final ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor(
            task -> new Thread(task, "test-access-writer"));
    /** A logger of its own per test, with only the capturing handler. */
    private final Logger logger = Logger.getLogger(AccessLog.LOGGER + ".test" + LOGGERS.incrementAndGet());

    @BeforeEach
    void capture() {
        logger.setUseParentHandlers(false);
        logger.setLevel(Level.INFO);
        logger.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(record.getMessage());
                threads.add(Thread.currentThread().getName());
            }

            @Override
            public void flush() {
                flushes.incrementAndGet();
            }

            @Override
            public void close() {
            }
        });
    }

    @AfterEach
    void stop() {
        writer.shutdownNow();
    }

    @Test
    void theLineIsWrittenByTheWriterNotByTheRequestsThread() {
        AccessLog log = new AccessLog(logger, writer, 100);
        AccessLog.Entry entry = log.start("POST", "/api/v1/chat/completions");
        entry.responded(200, 42, "key-1", "openai/gpt-4o", true, "gen-1");

        await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() == 1);
        assertThat(threads).containsExactly("test-access-writer");
        assertThat(lines.get(0)).isEqualTo(entry.line()).startsWith("{\"time\":\"")
                .contains("\"method\":\"POST\",\"path\":\"/api/v1/chat/completions\",\"status\":200,")
                .endsWith("\"bytes\":42,\"key_id\":\"key-1\",\"model\":\"openai/gpt-4o\",\"streamed\":true,"
                        + "\"generation_id\":\"gen-1\"}");
    }

    @Test
    void linesThatEndTogetherAreFlushedTogether() {
        AccessLog log = new AccessLog(logger, writer, 1_000);
        for (int i = 0; i < 500; i++) {
            log.start("GET", "/" + i).responded(200, 0, null, null, null, null);
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() == 500);
        assertThat(flushes.get()).as("flushes for 500 lines").isLessThan(50);
        assertThat(lines.get(0)).contains("\"path\":\"/0\"");
        assertThat(lines.get(499)).contains("\"path\":\"/499\"");
    }

    @Test
    void noLineIsLostWhenTheGatewayStops() throws Exception {
        AccessLog log = new AccessLog(logger, writer, 10_000);
        for (int i = 0; i < 5_000; i++) {
            log.start("GET", "/" + i).responded(200, 0, null, null, null, null);
        }
        writer.shutdown(); // as the gateway stops its executor, then closes the log
        assertThat(writer.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        log.close();
        assertThat(lines).hasSize(5_000);

        log.start("GET", "/late").responded(200, 0, null, null, null, null);
        assertThat(lines).as("a line that ends after the stop, written at once").hasSize(5_001);
        assertThat(threads.get(5_000)).isEqualTo(Thread.currentThread().getName());
    }

    @Test
    void aFullQueueDropsAndCountsLinesInsteadOfBlocking() throws Exception {
        CountDownLatch stalled = new CountDownLatch(1);
        writer.execute(() -> {
            try {
                stalled.await(); // the writer is stuck, as behind a blocked console
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        AccessLog log = new AccessLog(logger, writer, 10);
        long start = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            log.start("GET", "/" + i).responded(200, 0, null, null, null, null);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(log.dropped()).isEqualTo(90);
        assertThat(lines).isEmpty();

        stalled.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() == 10);
        assertThat(lines.get(9)).contains("\"path\":\"/9\"");
    }

    @Test
    void nothingIsQueuedWhileTheLogIsOff() {
        logger.setLevel(Level.OFF);
        AccessLog log = new AccessLog(logger, writer, 1);
        for (int i = 0; i < 3; i++) {
            log.start("GET", "/" + i).responded(200, 0, null, null, null, null);
        }
        assertThat(log.dropped()).isZero();
    }
}
