package dev.anyrouter.store;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The {@link Ledger}'s one writer task: takes queued rows in batches ({@link GenerationsTable#store}), lets a
 * batch gather for {@link #LINGER}, retries a failed batch with a growing pause ({@link #RETRY} up to
 * {@link #MAX_RETRY}) and reports its health; a batch the database refuses for its data is tried row by row, and a
 * row refused on its own is quarantined. A row leaves the queue only once written.
 */
final class LedgerWriter implements Runnable {

    private static final System.Logger LOG = System.getLogger(Ledger.class.getName());
    private static final int BATCH = 500;
    private static final Duration RETRY = Duration.ofMillis(500);
    private static final Duration MAX_RETRY = Duration.ofSeconds(5);
    /**
     * How long the writer waits after a row arrives for more to join its transaction. A transaction per stream
     * costs CPU that the streams' own work competes for (measured: +1.5 ms on each stream's time to first token
     * at one stream at a time); rows stay visible to {@link Ledger#find} and credit checks meanwhile.
     */
    private static final Duration LINGER = Duration.ofMillis(100);
    private static final QueuedRow STOP = new QueuedRow(new LedgerRow("", "", "", "", "", false, false, "", null, 0,
            0, false, java.math.BigDecimal.ZERO, null, 0, null, null), false, null);
    private static final int LOGGED_IDS = 20;

    private final GenerationsTable table;
    private final Consumer<QueuedRow> written;
    private final LinkedBlockingQueue<QueuedRow> queue = new LinkedBlockingQueue<>();
    /** Rows queued or being written, final and in progress. */
    private final AtomicInteger depth = new AtomicInteger();
    private final AtomicLong failures = new AtomicLong();
    private volatile boolean healthy = true;
    /** When the current run of failures began (nanoTime); meaningful while not healthy. */
    private volatile long failingSince;

    /** @param written told of each row once it is written (or settled by quarantine) */
    LedgerWriter(GenerationsTable table, Consumer<QueuedRow> written) {
        this.table = table;
        this.written = written;
    }

    void offer(QueuedRow row) {
        depth.incrementAndGet();
        queue.add(row);
    }

    /** Ends {@link #run()} once what is queued now is written. */
    void stop() {
        queue.add(STOP);
    }

    /** Rows queued or being written. */
    int depth() {
        return depth.get();
    }

    boolean healthy() {
        return healthy;
    }

    /** Nanoseconds since the current run of failures began; meaningful while not {@link #healthy()}. */
    long failingFor() {
        return System.nanoTime() - failingSince;
    }

    long failures() {
        return failures.get();
    }

    @Override
    public void run() {
        List<QueuedRow> batch = new ArrayList<>();
        boolean stopping = false;
        Duration retry = RETRY;
        while (!stopping || !batch.isEmpty()) {
            try {
                if (batch.isEmpty()) {
                    batch.add(queue.take());
                    gather(batch);
                }
                queue.drainTo(batch, BATCH - batch.size());
                stopping |= batch.remove(STOP);
                batch.forEach(QueuedRow::take);
                if (!batch.isEmpty()) {
                    table.store(batch);
                    batch.forEach(this::written);
                    batch.clear();
                    recovered();
                    retry = RETRY;
                }
            } catch (InterruptedException e) {
                return;
            } catch (SQLException | RuntimeException e) {
                if (rejected(batch, e)) {
                    continue;
                }
                failed(batch, e, retry);
                try {
                    Thread.sleep(retry.toMillis());
                } catch (InterruptedException stop) {
                    return;
                }
                retry = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
            }
        }
    }

    /**
     * Lets rows gather for up to {@link #LINGER} after the first, so many streams share one transaction; stops at
     * once for a row a stream waits for (its first byte), and at {@link #STOP}.
     */
    private void gather(List<QueuedRow> batch) throws InterruptedException {
        long deadline = System.nanoTime() + LINGER.toNanos();
        QueuedRow last = batch.get(batch.size() - 1);
        while (last != STOP && last.durable() == null && batch.size() < BATCH) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || (last = queue.poll(left, TimeUnit.NANOSECONDS)) == null) {
                return;
            }
            batch.add(last);
        }
    }

    /** A batch failed for the database, not its data: the rows stay queued; the first failure is an ERROR. */
    private void failed(List<QueuedRow> batch, Exception e, Duration retry) {
        failures.incrementAndGet();
        String ids = batch.stream().limit(LOGGED_IDS).map(i -> i.row().id()).collect(Collectors.joining(", "))
                + (batch.size() > LOGGED_IDS ? ", …" : "");
        if (healthy) {
            failingSince = System.nanoTime();
            healthy = false;
            LOG.log(System.Logger.Level.ERROR, "ledger: cannot write to the " + table.description() + " ("
                    + e.getMessage() + "); " + depth.get() + " rows kept in memory and retried (billable requests are "
                    + "refused if it still fails in " + Ledger.FAILING_AFTER.toSeconds() + " s); waiting: " + ids);
        } else {
            LOG.log(System.Logger.Level.WARNING, "ledger: still cannot write (" + e.getMessage() + "); "
                    + depth.get() + " rows waiting, next try in " + retry.toMillis() + " ms: " + ids);
        }
    }

    private void recovered() {
        if (!healthy) {
            healthy = true;
            LOG.log(System.Logger.Level.INFO, "ledger: writing again after " + failures.get()
                    + " failed writes; " + depth.get() + " rows still queued");
        }
    }

    /**
     * Whether the database refused {@code batch} for its data (SQL state class 22 or 23), not for a passing
     * failure. Then the rows are tried one by one, so one bad row cannot hold up the others; a row refused on its
     * own is quarantined ({@link #quarantine}).
     */
    private boolean rejected(List<QueuedRow> batch, Exception failure) {
        String state = failure instanceof SQLException e && e.getSQLState() != null ? e.getSQLState() : "";
        if (!state.startsWith("22") && !state.startsWith("23")) {
            return false;
        }
        List<QueuedRow> rows = new ArrayList<>(batch);
        batch.clear();
        for (QueuedRow row : rows) {
            try {
                table.store(List.of(row));
            } catch (SQLException e) {
                String rowState = e.getSQLState() == null ? "" : e.getSQLState();
                if (!rowState.startsWith("22") && !rowState.startsWith("23")) {
                    batch.add(row); // a passing failure after all: retried with the rest
                    continue;
                }
                if (!quarantine(row, e)) {
                    batch.add(row);
                    continue;
                }
            }
            written(row);
        }
        return batch.isEmpty();
    }

    /**
     * Stores a row the database refused with its text fields sanitised ({@link LedgerRow#quarantined}), so that its cost
     * is still charged to its key; logs an ERROR naming the generation either way. False if the second try met a
     * passing failure (the row is retried with the rest); true once the row is settled, stored or not.
     */
    private boolean quarantine(QueuedRow item, SQLException refusal) {
        LedgerRow clean = item.row().quarantined(refusal.getSQLState());
        try {
            table.store(List.of(new QueuedRow(clean, item.progress(), item.durable())));
            LOG.log(System.Logger.Level.ERROR, "ledger row " + clean.id() + " refused by the database ("
                    + LedgerRow.clean(refusal.getMessage(), 300) + "); stored with its text sanitised, its cost charged: "
                    + clean);
            return true;
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            if (!state.startsWith("22") && !state.startsWith("23")) {
                return false;
            }
            LOG.log(System.Logger.Level.ERROR, "ledger row " + clean.id() + " refused by the database even sanitised ("
                    + LedgerRow.clean(e.getMessage(), 300) + "); NOT stored, its cost NOT charged: " + clean);
            return true;
        }
    }

    private void written(QueuedRow item) {
        depth.decrementAndGet();
        if (item.durable() != null) {
            item.durable().complete(null);
        }
        written.accept(item);
    }
}
