package dev.anyrouter.engine;

import dev.anyrouter.accounting.GenerationLog;
import dev.anyrouter.auth.ApiKeys;
import dev.anyrouter.config.GatewayConfig;
import dev.anyrouter.routing.ModelCatalog;
import dev.anyrouter.routing.Router;
import dev.anyrouter.upstream.UpstreamClient;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's long-lived parts, built from one {@link GatewayConfig} and closed together: keys, router,
 * upstream client, the relay threads, the timer for commits and keep-alives, and the generation log.
 * One instance per deployment; the Jersey resources reach it by injection.
 */
public final class AnyRouter implements AutoCloseable {

    private final GatewayConfig config;
    private final ApiKeys keys;
    private final Router router;
    private final ModelCatalog catalog;
    private final UpstreamClient upstream;
    private final ExecutorService relays;
    private final RelayLimit relayLimit;
    private final ExecutorService writers;
    private final ScheduledExecutorService timer;
    private final GenerationLog generations;
    private final AtomicInteger activeRelays = new AtomicInteger();

    private AnyRouter(GatewayConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.keys = ApiKeys.of(config.apiKeys());
        this.router = Router.from(config);
        this.catalog = ModelCatalog.bundled(Json.MAPPER);
        this.upstream = new UpstreamClient(config);
        this.relays = Threads.perTask("anyrouter-relay");
        this.relayLimit = RelayLimit.of(config.relayThreads());
        this.writers = Threads.perTask("anyrouter-keepalive");
        this.timer = Threads.scheduler("anyrouter-timer");
        this.generations = new GenerationLog(10_000);
    }

    /** Builds the engine. Every key must be in {@code config}: without one nothing is accepted. */
    public static AnyRouter start(GatewayConfig config) {
        if (config.apiKeys().isEmpty()) {
            throw new IllegalArgumentException("apiKeys: none (expected: at least one client key)");
        }
        return new AnyRouter(config);
    }

    public GatewayConfig config() {
        return config;
    }

    public ApiKeys keys() {
        return keys;
    }

    public Router router() {
        return router;
    }

    public ModelCatalog catalog() {
        return catalog;
    }

    public UpstreamClient upstream() {
        return upstream;
    }

    /** Runs the blocking part of each request: the upstream exchange and the relay to the client. */
    public ExecutorService relays() {
        return relays;
    }

    /** Admission to {@link #relays()}: taken before a request is handed to a relay thread. */
    public RelayLimit relayLimit() {
        return relayLimit;
    }

    /** Sends keep-alive comments, so that a stalled client never holds up the timer. */
    public ExecutorService writers() {
        return writers;
    }

    public ScheduledExecutorService timer() {
        return timer;
    }

    public GenerationLog generations() {
        return generations;
    }

    /** Requests whose relay (upstream exchange and client writes) is running now. */
    public AtomicInteger activeRelays() {
        return activeRelays;
    }

    /** Stops the timer and threads and closes the upstream client; running relays are interrupted. */
    @Override
    public void close() {
        timer.shutdownNow();
        writers.shutdownNow();
        relays.shutdownNow();
        try {
            relays.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        upstream.close();
    }
}
