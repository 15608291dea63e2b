package dev.anyrouter.store;

import java.util.concurrent.CompletableFuture;

/**
 * One row for the ledger's writer: a final one, or an in-progress one ({@code progress}); {@code durable}, if not
 * null, completes once it is written.
 */
record QueuedRow(LedgerRow row, boolean progress, CompletableFuture<Void> durable) {
}
