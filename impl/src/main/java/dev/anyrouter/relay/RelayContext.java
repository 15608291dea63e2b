package dev.anyrouter.relay;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.config.RetryConfig;
import dev.anyrouter.config.TimeoutsConfig;
import dev.anyrouter.config.UpstreamConfig;
import dev.anyrouter.routing.Endpoints;
import dev.anyrouter.upstream.UpstreamClient;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;

/**
 * What a {@link Relay} needs from the gateway, and nothing more: its settings, the endpoints of each provider, the
 * upstream (given the gateway's own root, against which the relative base URL of an upstream it hosts, the
 * simulator, is resolved), a clock and timer, the ledger, the relays running, which a shutdown ends, and the relay
 * threads, where a relay's steps run until its stream goes on with callbacks. The
 * gateway's composition root builds one ({@link #of}); tests build one with fakes.
 */
public record RelayContext(TimeoutsConfig timeouts, RetryConfig retry, Function<UpstreamConfig, Endpoints> endpoints,
        Function<URI, UpstreamStream.Opener> upstream, Ticker ticker, Books books, RunningRelays running,
        Executor steps) {

    /** The ledger's side of a generation. */
    public interface Books {
        /** The generation's in-progress row, before anything is sent upstream. */
        Row begin(Generation generation);

        /**
         * Ends the generation and hands its record to the ledger; returns at once, and never throws: the relay's
         * clean-up goes on (a failure here loses the row, so it is logged).
         */
        void finish(Generation generation, Generation.Outcome outcome, String error);
    }

    /** A running generation's in-progress ledger row (see {@code store/InFlight.java}). */
    public interface Row {
        /** Records the generation's state now; returns at once. */
        void record();

        /** Waits, at most {@code max}, until the last row recorded is durable. */
        void awaitRecorded(Duration max);
    }

    /**
     * The gateway's own: exchanges through {@code upstream}, timed on {@code timer}, steps on {@code relays}; a
     * step that the relay threads refuse (they are shutting down) runs on the thread that has it, so that every
     * relay still ends and is billed.
     */
    public static RelayContext of(TimeoutsConfig timeouts, RetryConfig retry,
            Function<UpstreamConfig, Endpoints> endpoints, UpstreamClient upstream, ScheduledExecutorService timer,
            Books books, RunningRelays running, Executor relays) {
        Executor steps = step -> {
            try {
                relays.execute(step);
            } catch (RejectedExecutionException shuttingDown) {
                step.run();
            }
        };
        return new RelayContext(timeouts, retry, endpoints, localBase -> JerseyUpstream.opener(upstream, localBase),
                Ticker.of(timer), books, running, steps);
    }
}
