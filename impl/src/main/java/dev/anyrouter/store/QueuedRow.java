package dev.anyrouter.store;

import java.util.concurrent.CompletableFuture;

/**
 * One row for the ledger's writer: a final one, or an in-progress one ({@code progress}); {@code durable}, if not
 * null, completes once it is written. Until the writer takes it ({@link #take}), a queued in-progress row can be
 * replaced by a newer one of its generation ({@link #replace}): however far behind the writer is, a running
 * generation then has one row waiting, not one per journal pass (see {@link Ledger}).
 */
final class QueuedRow {

    private final boolean progress;
    private final CompletableFuture<Void> durable;
    private LedgerRow row;
    private boolean taken;

    QueuedRow(LedgerRow row, boolean progress, CompletableFuture<Void> durable) {
        this.row = row;
        this.progress = progress;
        this.durable = durable;
    }

    synchronized LedgerRow row() {
        return row;
    }

    boolean progress() {
        return progress;
    }

    CompletableFuture<Void> durable() {
        return durable;
    }

    /** Puts {@code newer} in this row's place; false once the writer has taken it. */
    synchronized boolean replace(LedgerRow newer) {
        if (taken) {
            return false;
        }
        row = newer;
        return true;
    }

    /** The writer takes the row for a batch: from now on it is what is written. */
    synchronized void take() {
        taken = true;
    }
}
