package dev.anyrouter.engine;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationRecord;
import java.util.Objects;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Ends generations off their relay threads. Billing a generation whose upstream reported no usage counts its
 * prompt and completion tokens ({@link dev.anyrouter.accounting.TokenCounter}: bounded, but tens of milliseconds
 * for a large prompt), which must not hold the relay thread, its lease or its slot. Up to {@value #THREADS}
 * threads and no queue, so no generation waits behind another (the first counts wait for the tokenizer's
 * encodings to load); when every thread is busy, or after {@link #close}, the caller ends the generation itself,
 * so a row is never dropped or held up.
 */
final class Accounting implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Accounting.class.getName());
    static final int THREADS = 16;

    private final ThreadPoolExecutor executor;
    private final Consumer<GenerationRecord> finished;

    /** @param finished takes each ended generation's row (the ledger and the listeners) */
    Accounting(Consumer<GenerationRecord> finished) {
        this.finished = Objects.requireNonNull(finished, "finished");
        this.executor = new ThreadPoolExecutor(0, THREADS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                Threads.named("anyrouter-accounting"), (task, busy) -> task.run());
    }

    /** Ends {@code generation} (bills it) and hands its row on; returns at once unless every thread is busy. */
    void finish(Generation generation, Generation.Outcome outcome, String error) {
        executor.execute(() -> {
            try {
                finished.accept(generation.end(outcome, error));
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.ERROR, "generation " + generation.id() + " could not be billed", e);
            }
        });
    }

    /** Lets the generations being billed finish, waiting up to 5 s; later ones end on their caller's thread. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "generations still being billed after 5 s: "
                        + executor.getActiveCount());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
