package dev.anyrouter.store;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Whether the gateway is ready for traffic ({@code GET /ready}): not closed, its database answers and its usage
 * ledger is not failing ({@link Ledger#failing()}).
 */
public final class Readiness {

    private final Database database;
    private final Ledger ledger;
    private final Executor checks;
    private volatile boolean closed;
    /** The database check in progress or last done (one at a time, however many ask). */
    private CompletableFuture<Boolean> databaseCheck;

    /** @param checks runs the database checks, so that a database that hangs never holds up a caller too long */
    public Readiness(Database database, Ledger ledger, Executor checks) {
        this.database = database;
        this.ledger = ledger;
        this.checks = checks;
    }

    /**
     * Whether the database answers within {@code timeout} and the ledger is not failing. Blocks at most that long:
     * call it on a relay thread. Concurrent callers share one check, so a database that hangs holds up one thread
     * only.
     */
    public boolean ready(Duration timeout) {
        if (closed) {
            return false;
        }
        CompletableFuture<Boolean> check;
        synchronized (this) {
            if (databaseCheck == null || databaseCheck.isDone()) {
                try {
                    databaseCheck = CompletableFuture.supplyAsync(database::answers, checks);
                } catch (RejectedExecutionException closing) {
                    return false;
                }
            }
            check = databaseCheck;
        }
        try {
            return check.get(timeout.toMillis(), TimeUnit.MILLISECONDS) && !ledger.failing() && !closed;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The gateway is closing: never ready again. */
    public void close() {
        closed = true;
    }
}
