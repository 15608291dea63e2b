package dev.anyrouter.relay;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.config.RetryConfig;
import dev.anyrouter.config.TimeoutsConfig;
import dev.anyrouter.config.UpstreamConfig;
import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.routing.Endpoints;
import dev.anyrouter.store.InFlight;
import java.net.URI;
import java.time.Duration;
import java.util.function.Function;

/**
 * What a {@link Relay} needs from the gateway, and nothing more: its settings, the endpoints of each provider, the
 * upstream, a clock and timer, the ledger, and the list of running requests a shutdown ends. Tests build one with
 * fakes.
 */
record RelayContext(TimeoutsConfig timeouts, RetryConfig retry, Function<UpstreamConfig, Endpoints> endpoints,
        UpstreamStream.Opener upstream, Ticker ticker, Books books, Running running) {

    private static final System.Logger LOG = System.getLogger(Relay.class.getName());

    /** The ledger's side of a generation. */
    interface Books {
        /** The generation's in-progress row, before anything is sent upstream. */
        Row begin(Generation generation);

        /**
         * Ends the generation and hands its record to the ledger; returns at once, and never throws: the relay's
         * clean-up goes on (a failure here loses the row, so it is logged).
         */
        void finish(Generation generation, Generation.Outcome outcome, String error);
    }

    /** A running generation's in-progress ledger row (see {@code store/InFlight.java}). */
    interface Row {
        /** Records the generation's state now; returns at once. */
        void record();

        /** Waits, at most {@code max}, until the last row recorded is durable. */
        void awaitRecorded(Duration max);
    }

    /** The requests running now, which a shutdown ends once its grace period is over. */
    interface Running {
        void started(Runnable stopper);

        void ended(Runnable stopper);

        /** Whether the gateway is stopping: its own simulator and connections close under the streams it ends. */
        boolean draining();
    }

    /** The gateway's own; {@code localBase} resolves the relative base URL of an upstream it hosts (the simulator). */
    static RelayContext of(AnyRouter engine, URI localBase) {
        Books books = new Books() {
            @Override
            public Row begin(Generation generation) {
                InFlight.Handle handle = engine.ledger().begin(generation);
                return new Row() {
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

            @Override
            public void finish(Generation generation, Generation.Outcome outcome, String error) {
                try {
                    engine.finish(generation, outcome, error);
                } catch (RuntimeException | Error e) {
                    LOG.log(System.Logger.Level.ERROR, "generation " + generation.id() + " could not be billed: " + e,
                            e);
                }
            }
        };
        Running running = new Running() {
            @Override
            public void started(Runnable stopper) {
                engine.activeRelays().incrementAndGet();
                engine.running(stopper);
            }

            @Override
            public void ended(Runnable stopper) {
                engine.done(stopper);
                engine.activeRelays().decrementAndGet();
            }

            @Override
            public boolean draining() {
                return engine.draining();
            }
        };
        return new RelayContext(engine.config().timeouts(), engine.config().retry(), engine.router()::endpoints,
                JerseyUpstream.opener(engine.upstream(), localBase), Ticker.of(engine.timer()), books, running);
    }
}
