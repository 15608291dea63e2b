package dev.anyrouter.store;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationRecord;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The usage ledger: one row per generation, written off the relay path. {@link #add} only queues the row; one
 * writer task stores queued rows in batches, each batch in one transaction that also adds the rows' costs to their
 * keys' spend, so a key's spend always equals the sum of its rows. A row is inserted at most once (a batch retried
 * after an unclear failure skips rows already there).
 *
 * <p>Running generations have rows too ({@code in_progress}, see {@link InFlight}), which their final row replaces;
 * each row's cost is in its key's spend as soon as the row is written. At start, this replica's rows left in
 * progress (and any replica's older than {@code orphanAfter}) are closed as {@code interrupted}, billed with
 * their last recorded cost ({@link GenerationsTable#recover}).
 *
 * <p>Nothing is dropped: a row leaves the queue only once its transaction committed and, on the embedded
 * database, reached its file (a {@code CHECKPOINT}: H2 otherwise keeps commits in memory for up to half a second,
 * and loses them if it stops first). A failed batch is retried with a growing pause ({@link LedgerWriter}); meanwhile the ledger is not {@link #healthy()}, which the gateway reports and acts on. {@link
 * #close()} writes everything still queued, and logs at ERROR each row it could not. Until a row is written,
 * {@link #find} and {@link #unwritten} still see it, so credit checks and the generation API never miss a
 * finished generation.
 */
public final class Ledger implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Ledger.class.getName());
    /** The outcome of a row whose generation is still running. */
    public static final String IN_PROGRESS = "in_progress";
    /** The outcome of a row left in progress by a gateway that stopped without ending it (a kill, a crash). */
    public static final String INTERRUPTED = "interrupted";
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
    /** How long the ledger may fail before {@link #failing()}: a passing lock timeout or fail-over refuses nothing. */
    static final Duration FAILING_AFTER = Duration.ofSeconds(10);
    /** How many rows may wait while the ledger fails before {@link #failing()}: the queue's bound in practice. */
    static final int MAX_WAITING = 10_000;

    private final GenerationsTable table;
    private final LedgerWriter writer;
    private final Map<String, LedgerRow> pending = new ConcurrentHashMap<>();
    private final Map<String, BigDecimal> pendingCost = new ConcurrentHashMap<>();
    /** The cost of each running generation's last written in-progress row: in its key's spend already. */
    private final Map<String, BigDecimal> recorded = new ConcurrentHashMap<>();
    /** What each queued final row adds to its key's spend beyond its in-progress row ({@link #unwritten}). */
    private final Map<String, BigDecimal> pendingPart = new ConcurrentHashMap<>();
    /** Each running generation's in-progress row queued and not taken by the writer yet, if it may be replaced. */
    private final Map<String, QueuedRow> queuedProgress = new ConcurrentHashMap<>();
    private final InFlight inFlight;
    private final Future<?> writing;
    private volatile boolean closed;

    /** A ledger of one replica on its own (tests): owner {@code local}, orphans after an hour. */
    public Ledger(Database db, ExecutorService executor) {
        this(db, executor, singleThread(), "local", Duration.ofHours(1));
    }

    /**
     * Closes the rows left in progress ({@link GenerationsTable#recover}) and starts writing.
     *
     * @param executor    runs the writer task
     * @param journal     a single thread of its own: records running generations ({@link InFlight}); shut down
     *                    by {@link #close()}
     * @param owner       this replica's id, written on its in-progress rows
     * @param orphanAfter how old another replica's in-progress row must be to be closed as interrupted: longer
     *                    than any generation may run
     */
    public Ledger(Database db, ExecutorService executor, ScheduledExecutorService journal, String owner,
            Duration orphanAfter) {
        this.table = new GenerationsTable(db, owner);
        table.recover(orphanAfter);
        this.inFlight = new InFlight(this, journal);
        if (table.shared()) { // other replicas' orphans, should they stop for good
            journal.scheduleWithFixedDelay(() -> table.closeOrphans(orphanAfter), 1, 1, TimeUnit.MINUTES);
        }
        this.writer = new LedgerWriter(table, this::written);
        this.writing = executor.submit(writer);
    }

    /**
     * Records {@code generation} in the ledger while it runs; its final row ({@link #add}) ends that. The relay
     * calls {@link InFlight.Handle#record()} once the upstream accepted the request, and waits with {@link
     * InFlight.Handle#awaitRecorded} before the client's first byte.
     */
    public InFlight.Handle begin(Generation generation) {
        return inFlight.begin(generation);
    }

    /** Whether the last write succeeded: false from a failed write until the next one succeeds. */
    public boolean healthy() {
        return writer.healthy();
    }

    /**
     * Whether the ledger has been failing too long ({@link #FAILING_AFTER}) or holds too many rows ({@link
     * #MAX_WAITING}) to take new billable work: the gateway then refuses it and is not ready.
     */
    public boolean failing() {
        return !writer.healthy() && (writer.failingFor() >= FAILING_AFTER.toNanos() || writer.depth() > MAX_WAITING);
    }

    /** Batches that failed to write since the start. */
    public long writeFailures() {
        return writer.failures();
    }

    /** Rows waiting to be written (final and in progress). */
    public int queueDepth() {
        return writer.depth();
    }

    /** Generations running now (recorded as in progress). */
    public int running() {
        return inFlight.size();
    }

    /**
     * Queues an in-progress row (on the journal's thread); {@code durable}, if not null, completes once it is written.
     * A row nobody waits for replaces its generation's in-progress row still queued, if there is one: with
     * thousands of streams and a writer behind them, the queue held a row per stream per journal pass (7 per
     * stream, about 1.5 KB of heap per stream, with the benchmark's 10,000 idle streams). A row someone waits for
     * is queued on its own, and rows after it queue behind it, so no older state is written after a newer one.
     */
    void progress(LedgerRow row, CompletableFuture<Void> durable) {
        if (closed) {
            if (durable != null) {
                durable.complete(null);
            }
            return;
        }
        if (durable == null) {
            QueuedRow waiting = queuedProgress.get(row.id());
            if (waiting != null && waiting.replace(row)) {
                return;
            }
        }
        QueuedRow item = new QueuedRow(row, true, durable);
        if (durable == null) {
            queuedProgress.put(row.id(), item);
        } else {
            queuedProgress.remove(row.id());
        }
        writer.offer(item);
    }

    /**
     * Queues a finished generation's row (without its text); returns at once. After {@link #close()} (a relay that
     * outlived the shutdown) the row can no longer be written and is logged in full at ERROR instead.
     */
    public void add(GenerationRecord record) {
        LedgerRow row = LedgerRow.of(record);
        inFlight.ended(row.id());
        queuedProgress.remove(row.id());
        if (closed) {
            LOG.log(System.Logger.Level.ERROR, "ledger row after shutdown, not written: {0}", row);
            return;
        }
        pending.put(row.id(), row);
        BigDecimal part = row.cost().subtract(recorded.getOrDefault(row.id(), BigDecimal.ZERO));
        pendingPart.put(row.id(), part);
        pendingCost.merge(row.keyId(), part, BigDecimal::add);
        writer.offer(new QueuedRow(row, false, null));
    }

    /**
     * What {@code keyId}'s generations that have finished but are not written yet add to its spend: their costs,
     * less what their in-progress rows put in it already.
     */
    public BigDecimal unwritten(String keyId) {
        return pendingCost.getOrDefault(keyId, BigDecimal.ZERO);
    }

    /** A generation's row, written or still queued. */
    public Optional<LedgerRow> find(String id) {
        LedgerRow queued = pending.get(id);
        return queued != null ? Optional.of(queued) : table.find(id);
    }

    /** Rows not written yet. */
    public int backlog() {
        return pending.size();
    }

    /** Writes every queued row, then stops the writer. */
    @Override
    public void close() {
        closed = true;
        inFlight.close();
        writer.stop();
        try {
            writing.get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            writing.cancel(true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            writing.cancel(true);
        } catch (ExecutionException e) {
            LOG.log(System.Logger.Level.ERROR, "the ledger writer failed", e.getCause());
        }
        if (!pending.isEmpty()) {
            pending.values().forEach(r -> LOG.log(System.Logger.Level.ERROR, "ledger row not written: {0}", r));
        }
    }

    /** A row is written: a final one leaves the unwritten spend; an in-progress one's cost is in its key's now. */
    private void written(QueuedRow item) {
        LedgerRow record = item.row();
        if (item.progress()) {
            queuedProgress.remove(record.id(), item);
            if (!pending.containsKey(record.id())) { // not after its final row, which no longer needs it
                recorded.put(record.id(), record.cost());
            }
            return;
        }
        pending.remove(record.id());
        recorded.remove(record.id());
        BigDecimal part = pendingPart.remove(record.id());
        pendingCost.computeIfPresent(record.keyId(), (k, v) -> {
            BigDecimal rest = v.subtract(part == null ? record.cost() : part);
            return rest.signum() == 0 ? null : rest;
        });
    }

    /** The journal's thread when the caller has none (tests). */
    private static ScheduledExecutorService singleThread() {
        ScheduledThreadPoolExecutor thread = new ScheduledThreadPoolExecutor(1, task -> {
            Thread t = java.util.concurrent.Executors.defaultThreadFactory().newThread(task);
            t.setName("anyrouter-ledger-journal");
            t.setDaemon(true);
            return t;
        });
        thread.setRemoveOnCancelPolicy(true);
        return thread;
    }
}
