package dev.anyrouter.engine;

import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.accounting.ModelCatalog;
import dev.anyrouter.accounting.Prices;
import dev.anyrouter.accounting.TokenCounter;
import dev.anyrouter.auth.ApiKeys;
import dev.anyrouter.config.GatewayConfig;
import dev.anyrouter.json.Json;
import dev.anyrouter.limits.Credit;
import dev.anyrouter.limits.CreditLimits;
import dev.anyrouter.limits.RateLimits;
import dev.anyrouter.limits.StreamCaps;
import dev.anyrouter.ops.AccessLog;
import dev.anyrouter.ops.Metrics;
import dev.anyrouter.relay.RelayContext;
import dev.anyrouter.relay.RunningRelays;
import dev.anyrouter.routing.Router;
import dev.anyrouter.store.CreditReservations;
import dev.anyrouter.store.Database;
import dev.anyrouter.store.KeyStore;
import dev.anyrouter.store.Ledger;
import dev.anyrouter.store.Readiness;
import dev.anyrouter.store.ReplicaId;
import dev.anyrouter.upstream.UpstreamClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The composition root: the gateway's long-lived parts, built from one {@link GatewayConfig}, then drained and closed
 * together: the database, key store and usage ledger, keys, router, prices, upstream client, threads and timer, rate
 * limits and stream caps, metrics and access log, and the {@link RelayContext} every relay gets. One instance per
 * deployment; the Jersey resources reach it by injection.
 */
public final class AnyRouter implements AutoCloseable {

    /** How much older than the total timeout another replica's in-progress ledger row must be to be closed. */
    private static final Duration ORPHAN_MARGIN = Duration.ofMinutes(5);

    private final GatewayConfig config;
    private final Database database;
    private final KeyStore keyStore;
    private final ApiKeys keys;
    private final Workers workers;
    private final Ledger ledger;
    private final Generations generations;
    private final Router router;
    private final ModelCatalog catalog;
    private final Prices prices;
    private final UpstreamClient upstream;
    private final RunningRelays runningRelays = new RunningRelays();
    private final RelayContext relayContext;
    private final Readiness readiness;
    private final Metrics metrics;
    private final AccessLog accessLog;
    private final RateLimits rateLimits;
    private final StreamCaps streamCaps;
    private final CreditLimits creditLimits;
    private final Credit credit;

    private AnyRouter(GatewayConfig config, Database database) {
        this.config = config;
        this.database = database;
        this.keyStore = new KeyStore(database);
        keyStore.bootstrap(config.apiKeys());
        this.keys = new ApiKeys(keyStore);
        this.workers = new Workers(config.relayThreads());
        this.accessLog = new AccessLog(workers.accessLog());
        // No generation runs longer than the total timeout: an older in-progress row's replica is gone.
        this.ledger = new Ledger(database, workers.ledgerWriter(), workers.ledgerJournal(),
                ReplicaId.of(config.storage()), config.timeouts().total().plus(ORPHAN_MARGIN));
        this.generations = new Generations(ledger);
        this.router = Router.from(config);
        this.catalog = ModelCatalog.bundled(Json.MAPPER);
        this.prices = Prices.of(catalog.models(), config.prices(), config.defaultPrice());
        this.upstream = new UpstreamClient(config);
        this.relayContext = RelayContext.of(config.timeouts(), config.retry(), router::endpoints, upstream,
                workers.timer(), generations, runningRelays, workers.relays());
        this.readiness = new Readiness(database, ledger, workers.background());
        this.metrics = new Metrics(runningRelays::active, prices::listed);
        metrics.ledger(ledger::queueDepth, ledger::writeFailures, () -> ledger.healthy() ? 1 : 0);
        metrics.accessLog(accessLog::dropped);
        config.upstreams().forEach(configured -> metrics.endpoints(router.endpoints(configured)));
        this.rateLimits = RateLimits.of(config.limits(),
                database.postgresql() ? Optional.of(database.dataSource()) : Optional.empty(), workers.background());
        this.streamCaps = new StreamCaps(config.limits());
        // No request outlives its total timeout and the shutdown grace: an older reservation was left by a dead replica.
        this.creditLimits = new CreditLimits(new CreditReservations(database, config.timeouts().total()
                .plus(config.shutdownGrace()).plusMinutes(1), Clock.systemUTC()), config.limits().reserveTokens());
        this.credit = new Credit(keyStore, ledger);
        onGeneration(record -> keys.byId(record.keyId()).ifPresent(key -> rateLimits.charge(key,
                record.promptTokens() + record.completionTokens()))); // its tokens count against the key's per minute
        onGeneration(metrics::generation);
        onGeneration(accessLog::generation);
        // Loading an encoding takes a second or more on a busy machine: not on the first cancelled stream's bill.
        workers.inBackground("token counting not prepared", TokenCounter::prepare);
        long refresh = config.keyRefresh().toMillis();
        workers.every("keys not reloaded", keys::refresh, refresh, refresh, TimeUnit.MILLISECONDS);
        if (database.postgresql()) {
            workers.every("expired rate-limit buckets not deleted", rateLimits::removeExpired, 1, 5, TimeUnit.MINUTES);
        }
    }

    /**
     * Opens the database (migrating it), adds the bootstrap keys of {@code config} and builds the engine. A
     * database that cannot be opened fails the start with a message naming it.
     */
    public static AnyRouter start(GatewayConfig config) {
        Objects.requireNonNull(config, "config");
        Database database = Database.open(config.storage());
        try {
            return new AnyRouter(config, database);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
    }

    public GatewayConfig config() {
        return config;
    }

    public ApiKeys keys() {
        return keys;
    }

    public KeyStore keyStore() {
        return keyStore;
    }

    public Ledger ledger() {
        return ledger;
    }

    public Prices prices() {
        return prices;
    }

    public Router router() {
        return router;
    }

    public ModelCatalog catalog() {
        return catalog;
    }

    /** What keys have spent, and the checks that refuse a request its key or the ledger could not pay for. */
    public Credit credit() {
        return credit;
    }

    /** Per-key requests and tokens per minute: {@link RateLimits#admit} next to {@link Credit#check}. */
    public RateLimits rateLimits() {
        return rateLimits;
    }

    /** Credit reservations that make limited keys' limits caps. */
    public CreditLimits creditLimits() {
        return creditLimits;
    }

    /** The caps on requests in flight, per key and in all, on this replica. */
    public StreamCaps streamCaps() {
        return streamCaps;
    }

    /** Runs the blocking part of each request: the upstream exchange and the relay to the client. */
    public ExecutorService relays() {
        return workers.relays();
    }

    /** Admission to {@link #relays()}: taken before a request is handed to a relay thread. */
    public RelayLimit relayLimit() {
        return workers.relayLimit();
    }

    /** Where streams' keep-alives are written, off the timer thread. */
    public ExecutorService keepAlives() {
        return workers.keepAlives();
    }

    public ScheduledExecutorService timer() {
        return workers.timer();
    }

    /** What each relay needs from the gateway: settings, endpoints, upstream, timer, ledger, the relays running. */
    public RelayContext relayContext() {
        return relayContext;
    }

    /** The relays running now, and whether the gateway is draining. */
    public RunningRelays runningRelays() {
        return runningRelays;
    }

    /** Whether the gateway is ready for traffic ({@code GET /ready}). */
    public Readiness readiness() {
        return readiness;
    }

    /** The meters {@code GET /metrics} shows. */
    public Metrics metrics() {
        return metrics;
    }

    /** The access log's pending lines. */
    public AccessLog accessLog() {
        return accessLog;
    }

    /**
     * Calls {@code listener} with every finished generation, on the accounting thread that billed it (or the relay
     * thread that ended it), after its client response is done. For metrics and embedding applications; it must
     * not block.
     */
    public void onGeneration(Consumer<GenerationRecord> listener) {
        generations.onGeneration(listener);
    }

    /**
     * Graceful shutdown: refuses new requests, lets running ones finish for up to {@code grace}, then ends the
     * rest (their clients get an error event, their upstreams are aborted) and waits briefly for them to bill.
     * {@link #close()} then writes the ledger's last rows.
     */
    public void drain(Duration grace) {
        runningRelays.drain(grace);
    }

    /**
     * Stops the timer and threads (running relays are interrupted and end their generations), writes the ledger's
     * last rows and the access log's last lines, and closes the database, the upstream client and the metrics.
     */
    @Override
    public void close() {
        readiness.close();
        runningRelays.stop(); // what is still running ends with an error event, its upstream aborted
        workers.stopRequests();
        generations.close(); // the generations still being billed reach the ledger before it closes
        ledger.close();
        workers.stopLedger();
        workers.stopAccessLog();
        accessLog.close(); // what the writer had not written yet, on this thread
        database.close();
        upstream.close();
        metrics.close();
    }
}
