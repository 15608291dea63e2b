package dev.anyrouter.store;

import dev.anyrouter.accounting.Bill;
import dev.anyrouter.accounting.CountedText;
import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationProgress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The generations running now, recorded in the ledger while they run, so that a gateway killed outright
 * ({@code kill -9}, a crash) still bills them: each has an {@code in_progress} row, written once a try's request
 * reached the upstream (billing its prompt, as a generation killed then would be), again once the upstream accepted
 * it, then every {@link #INTERVAL} while it delivers. The final row
 * replaces it. A stream waits for its first row before the client's first byte ({@link Handle#awaitRecorded}), so
 * every generation a client saw has a row.
 *
 * <p>Who does what: relay threads only take a copy of their generation's state ({@link Generation#progress()});
 * this class's own thread bills the copies (token counting stays off the relay threads) and hands the rows to the
 * ledger's writer, which stores a whole interval's rows in one transaction.
 */
public final class InFlight implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(InFlight.class.getName());
    /** How often the delivered cost of running generations is recorded. */
    static final Duration INTERVAL = Duration.ofMillis(500);

    private final Ledger ledger;
    private final ScheduledExecutorService thread;
    private final Map<String, Handle> running = new ConcurrentHashMap<>();

    InFlight(Ledger ledger, ScheduledExecutorService thread) {
        this.ledger = ledger;
        this.thread = thread;
        thread.scheduleWithFixedDelay(this::recordAll, INTERVAL.toMillis(), INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    Handle begin(Generation generation) {
        Handle handle = new Handle(generation);
        running.put(generation.id(), handle);
        return handle;
    }

    /** The generation's final row is queued: it is no longer recorded as running. */
    void ended(String id) {
        running.remove(id);
    }

    int size() {
        return running.size();
    }

    private void recordAll() {
        if (!ledger.healthy()) {
            return; // the writer is retrying already; rows written later would only grow its queue
        }
        for (Handle handle : running.values()) {
            handle.recordIfChanged();
        }
    }

    @Override
    public void close() {
        thread.shutdownNow(); // the rows of generations still running are written by their final rows, or logged
        running.clear();
    }

    /** One running generation's record in the ledger. */
    public final class Handle {

        private final Generation generation;
        /** The row {@link #record()} asked for last; null before the first. */
        private volatile CompletableFuture<Void> recorded;
        /** What was last recorded: the number of chunks, and whether the upstream had accepted (thread only). */
        private int chunks = -1;
        private boolean accepted;
        /** How much of the delivered text is counted already (thread only): each pass counts what is new. */
        private CountedText counted = CountedText.NONE;

        private Handle(Generation generation) {
            this.generation = generation;
        }

        /**
         * Records the generation's state now (its prompt once the upstream accepted it), on the journal's thread;
         * returns at once. {@link #awaitRecorded} then waits for this row.
         */
        public void record() {
            CompletableFuture<Void> next = new CompletableFuture<>();
            recorded = next;
            try {
                thread.execute(() -> write(generation.progress(counted), next));
            } catch (RejectedExecutionException closing) {
                next.complete(null);
            }
        }

        /**
         * Waits, at most {@code max}, until the last row {@link #record()} asked for is durable: before the
         * client's first byte. Past {@code max} (a slow or failing database) the stream goes on; its row is
         * then written later, or its loss is logged by the ledger.
         */
        public void awaitRecorded(Duration max) {
            if (!ledger.healthy()) {
                return; // the writer is retrying: the row comes when the database is back, the stream goes on
            }
            if (recorded == null) {
                record(); // before the upstream accepted (a held response committed): a row that bills nothing yet
            }
            try {
                recorded.get(max.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                LOG.log(System.Logger.Level.WARNING, "generation {0}: its in-progress ledger row is not written "
                        + "after {1} ms; sending its first byte anyway", generation.id(), max.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void recordIfChanged() {
            GenerationProgress now = generation.progress(counted);
            if (now.accepted() && (now.chunks() != chunks || !accepted)) {
                write(now, null);
            }
        }

        /**
         * On the journal's thread: bills {@code progress} and queues its row; {@code durable}, if someone waits
         * for the row, completes once it is written.
         */
        private void write(GenerationProgress progress, CompletableFuture<Void> durable) {
            if (!running.containsKey(generation.id())) {
                if (durable != null) {
                    durable.complete(null); // ended meanwhile: its final row replaces this one
                }
                return;
            }
            chunks = progress.chunks();
            accepted = progress.accepted();
            try {
                Bill bill = progress.bill(Generation.Outcome.CANCELLED); // as if it ended now, by a kill
                ledger.progress(LedgerRow.inProgress(generation.id(), progress, bill), durable);
                counted = progress.countedAfter(bill);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "generation " + generation.id()
                        + ": its in-progress ledger row could not be made", e);
                if (durable != null) {
                    durable.complete(null);
                }
            }
        }
    }
}
