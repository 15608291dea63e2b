package dev.anyrouter.engine;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.relay.RelayContext;
import dev.anyrouter.store.InFlight;
import dev.anyrouter.store.Ledger;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The ledger's side of the relays' generations: each one's in-progress row ({@link Ledger#begin}), then its end,
 * billed on an {@link Accounting} thread, its row queued in the ledger and told to every listener (the metrics, the
 * access log, the rate limits, an embedding application).
 */
final class Generations implements RelayContext.Books, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Generations.class.getName());

    private final Ledger ledger;
    private final List<Consumer<GenerationRecord>> listeners = new CopyOnWriteArrayList<>();
    private final Accounting accounting = new Accounting(this::ended);

    Generations(Ledger ledger) {
        this.ledger = ledger;
    }

    @Override
    public RelayContext.Row begin(Generation generation) {
        InFlight.Handle handle = ledger.begin(generation);
        return new RelayContext.Row() {
            @Override
            public void record() {
                handle.record();
            }

            @Override
            public void awaitRecorded(Duration max) {
                handle.awaitRecorded(max);
            }
        };
    }

    /**
     * Bills and ends {@code generation} on an accounting thread (counting its tokens may take tens of milliseconds),
     * then {@link #ended}. Returns at once and never throws.
     */
    @Override
    public void finish(Generation generation, Generation.Outcome outcome, String error) {
        try {
            accounting.finish(generation, outcome, error);
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "generation " + generation.id() + " could not be billed: " + e, e);
        }
    }

    /** Calls {@code listener} with every generation ended from now on; it must not block. */
    void onGeneration(Consumer<GenerationRecord> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Lets the generations being billed reach the ledger, waiting up to 5 s ({@link Accounting#close}). */
    @Override
    public void close() {
        accounting.close();
    }

    /** A generation has ended: its row goes to the ledger, then to every listener (one failing is logged). */
    private void ended(GenerationRecord record) {
        ledger.add(record);
        for (Consumer<GenerationRecord> listener : listeners) {
            try {
                listener.accept(record);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "a generation listener failed", e);
            }
        }
    }
}
