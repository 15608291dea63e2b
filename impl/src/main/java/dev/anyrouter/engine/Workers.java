package dev.anyrouter.engine;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The engine's threads ({@link Threads}): the relay threads and their admission, the keep-alive writers, the
 * background workers, the timer, the usage ledger's writer and journal, and the access log's writer; and the timer's
 * chores, each run on a background worker, as the database may be slow and the timer must not wait.
 */
final class Workers {

    private static final System.Logger LOG = System.getLogger(Workers.class.getName());

    private final ExecutorService relays = Threads.perTask("anyrouter-relay");
    private final RelayLimit relayLimit;
    /**
     * A keep-alive hands a comment to the container without waiting, once a stream is committed; committing a held
     * stream writes its head and may wait up to 1 s for its ledger row. So a few threads serve every stream.
     */
    private final ExecutorService keepAlives = Threads.few("anyrouter-keepalive", 8);
    private final ExecutorService background = Threads.perTask("anyrouter-background");
    private final ScheduledExecutorService timer = Threads.scheduler("anyrouter-timer");
    private final ExecutorService ledgerWriter = Threads.perTask("anyrouter-ledger");
    private final ScheduledExecutorService ledgerJournal = Threads.scheduler("anyrouter-ledger-journal");
    private final ScheduledExecutorService accessLog = Threads.scheduler("anyrouter-access-log");

    /** @param relayThreads how many requests may be relayed at once on JDK 17 ({@link RelayLimit}) */
    Workers(int relayThreads) {
        this.relayLimit = RelayLimit.of(relayThreads);
    }

    ExecutorService relays() {
        return relays;
    }

    RelayLimit relayLimit() {
        return relayLimit;
    }

    ExecutorService keepAlives() {
        return keepAlives;
    }

    ExecutorService background() {
        return background;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    ExecutorService ledgerWriter() {
        return ledgerWriter;
    }

    ScheduledExecutorService ledgerJournal() {
        return ledgerJournal;
    }

    ScheduledExecutorService accessLog() {
        return accessLog;
    }

    /** Runs {@code task} on a background worker; a failure is logged as {@code failure}. Nothing once closing. */
    void inBackground(String failure, Runnable task) {
        try {
            background.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, failure + ": " + e.getMessage());
                }
            });
        } catch (RejectedExecutionException shuttingDown) {
            // closing
        }
    }

    /**
     * A chore (key reloads, bucket clean-up): {@code task} on a background worker after {@code first}, then every
     * {@code period}.
     */
    void every(String failure, Runnable task, long first, long period, TimeUnit unit) {
        timer.scheduleWithFixedDelay(() -> inBackground(failure, task), first, period, unit);
    }

    /** Stops the timer, the workers and the relay threads, waiting up to 5 s for each of the last three. */
    void stopRequests() {
        timer.shutdownNow();
        keepAlives.shutdownNow();
        background.shutdownNow();
        relays.shutdownNow();
        try {
            relays.awaitTermination(5, TimeUnit.SECONDS);
            keepAlives.awaitTermination(5, TimeUnit.SECONDS);
            background.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the ledger's writer and journal, once the ledger is closed. */
    void stopLedger() {
        ledgerWriter.shutdownNow();
        ledgerJournal.shutdownNow();
    }

    /** Stops the access log's writer once its pending pass has run (a pass waits 20 ms), waiting up to 5 s. */
    void stopAccessLog() {
        accessLog.shutdown();
        try {
            accessLog.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
