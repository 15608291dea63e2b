package dev.anyrouter.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Logger;

/**
 * Writes the access log's lines off the request threads. A request's thread only puts its finished entry on a
 * bounded queue and, when no pass is pending, schedules one {@value #GATHER_MILLIS} ms later on the gateway's
 * access-log executor, so the lines that end meanwhile go together. A pass makes each line, logs it, and then
 * flushes the logger's handlers once per batch of up to {@value #BATCH} lines: a handler that holds records until
 * flushed (the jar's) writes a batch with one write.
 *
 * <p>When the queue is full the line is dropped, never waited for: a stalled log (a blocked console, a full disk)
 * must not stall requests. Drops are counted ({@link #dropped()}, the metric
 * {@code anyrouter_access_log_dropped_total}) and the next pass reports them in a warning.
 *
 * <p>{@link #close()} (after the executor has stopped) writes what is still queued on the closing thread; a line
 * that ends after it is written by the thread that ends it, so no line is lost on a normal stop.
 */
final class AccessLogWriter {

    /** How many finished lines may wait for the writer. */
    static final int CAPACITY = 10_000;
    /** How long a pass waits for more lines after the first. */
    static final long GATHER_MILLIS = 20;
    /** The most lines logged between two flushes. */
    static final int BATCH = 1_000;

    private static final System.Logger LOG = System.getLogger(AccessLogWriter.class.getName());

    private final Logger logger;
    private final ScheduledExecutorService executor;
    private final int capacity;
    private final BlockingQueue<AccessLog.Entry> queue;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean closed;
    /** Drops already reported; guarded by {@code this}. */
    private long reported;

    AccessLogWriter(Logger logger, ScheduledExecutorService executor, int capacity) {
        this.logger = logger;
        this.executor = executor;
        this.capacity = capacity;
        this.queue = new ArrayBlockingQueue<>(capacity);
    }

    /** Queues {@code entry}'s line, or drops it when the queue is full. Never blocks. */
    void offer(AccessLog.Entry entry) {
        if (!queue.offer(entry)) {
            dropped.incrementAndGet();
            return;
        }
        if (!scheduled.get() && scheduled.compareAndSet(false, true)) {
            try {
                executor.schedule(this::drain, GATHER_MILLIS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopped) {
                drain();
            }
        }
        if (closed) {
            drain();
        }
    }

    /** Lines dropped because the queue was full, since the start. */
    long dropped() {
        return dropped.get();
    }

    /** Writes what is still queued, on this thread; later lines are written by the threads that end them. */
    void close() {
        closed = true;
        drain();
    }

    /** One pass: every queued line, a batch at a time. */
    private void drain() {
        scheduled.set(false); // a line queued from here on schedules the next pass
        List<AccessLog.Entry> batch = new ArrayList<>();
        while (queue.drainTo(batch, BATCH) > 0) {
            write(batch);
            batch.clear();
        }
        reportDrops();
    }

    private synchronized void write(List<AccessLog.Entry> batch) {
        for (AccessLog.Entry entry : batch) {
            try {
                logger.log(entry.record());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "access log line not written: " + e);
            }
        }
        for (Logger at = logger; at != null; at = at.getUseParentHandlers() ? at.getParent() : null) {
            for (Handler handler : at.getHandlers()) {
                handler.flush();
            }
        }
    }

    private synchronized void reportDrops() {
        long now = dropped.get();
        if (now > reported) {
            LOG.log(System.Logger.Level.WARNING, "access log: " + (now - reported) + " lines dropped, its queue of "
                    + capacity + " lines was full (the log is written more slowly than requests end)");
            reported = now;
        }
    }
}
