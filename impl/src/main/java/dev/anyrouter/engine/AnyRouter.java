package dev.anyrouter.engine;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.accounting.ModelCatalog;
import dev.anyrouter.accounting.Prices;
import dev.anyrouter.accounting.TokenCounter;
import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.errors.Refusal;
import dev.anyrouter.auth.ApiKeys;
import dev.anyrouter.config.GatewayConfig;
import dev.anyrouter.json.Json;
import dev.anyrouter.limits.Credit;
import dev.anyrouter.limits.CreditLimits;
import dev.anyrouter.limits.RateLimits;
import dev.anyrouter.limits.StreamCaps;
import dev.anyrouter.ops.AccessLog;
import dev.anyrouter.ops.Metrics;
import dev.anyrouter.routing.Router;
import dev.anyrouter.store.CreditReservations;
import dev.anyrouter.store.Database;
import dev.anyrouter.store.KeyStore;
import dev.anyrouter.store.Ledger;
import dev.anyrouter.store.ReplicaId;
import dev.anyrouter.upstream.UpstreamClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The gateway's long-lived parts, built from one {@link GatewayConfig} and closed together: the database with
 * its key store and usage ledger, the keys snapshot, router, prices, upstream client, the relay threads, the
 * timer for commits, keep-alives and key reloads, the rate limits and stream caps, the metrics and the access log.
 * One instance per deployment; the Jersey resources reach it by injection.
 */
public final class AnyRouter implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(AnyRouter.class.getName());
    /** How much older than the total timeout another replica's in-progress ledger row must be to be closed. */
    private static final Duration ORPHAN_MARGIN = Duration.ofMinutes(5);
    /** The Retry-After of requests refused while the ledger cannot write. */
    private static final String LEDGER_RETRY_AFTER = "5";

    private final GatewayConfig config;
    private final Database database;
    private final KeyStore keyStore;
    private final ApiKeys keys;
    private final Ledger ledger;
    private final Router router;
    private final ModelCatalog catalog;
    private final Prices prices;
    private final UpstreamClient upstream;
    private final ExecutorService relays;
    private final RelayLimit relayLimit;
    private final ExecutorService writers;
    private final ScheduledExecutorService timer;
    private final ExecutorService ledgerWriter;
    private final ScheduledExecutorService ledgerJournal;
    private final AtomicInteger activeRelays = new AtomicInteger();
    private final List<Consumer<GenerationRecord>> listeners = new CopyOnWriteArrayList<>();
    private final Accounting accounting = new Accounting(this::finished);
    private final Set<Runnable> stoppers = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;
    private final Metrics metrics;
    private final AccessLog accessLog = new AccessLog();
    private final RateLimits rateLimits;
    private final StreamCaps streamCaps;
    private final CreditLimits creditLimits;
    private final Credit credit;
    private volatile boolean closed;
    /** The database check in progress or last done (one at a time, however many ask). */
    private CompletableFuture<Boolean> databaseCheck;

    private AnyRouter(GatewayConfig config, Database database) {
        this.config = config;
        this.database = database;
        this.keyStore = new KeyStore(database);
        keyStore.bootstrap(config.apiKeys());
        this.keys = new ApiKeys(keyStore);
        this.ledgerWriter = Threads.perTask("anyrouter-ledger");
        this.ledgerJournal = Threads.scheduler("anyrouter-ledger-journal");
        // No generation runs longer than the total timeout: an older in-progress row's replica is gone.
        this.ledger = new Ledger(database, ledgerWriter, ledgerJournal, ReplicaId.of(config.storage()),
                config.timeouts().total().plus(ORPHAN_MARGIN));
        this.router = Router.from(config);
        this.catalog = ModelCatalog.bundled(Json.MAPPER);
        this.prices = Prices.of(catalog.models(), config.prices(), config.defaultPrice());
        this.upstream = new UpstreamClient(config);
        this.relays = Threads.perTask("anyrouter-relay");
        this.relayLimit = RelayLimit.of(config.relayThreads());
        this.writers = Threads.perTask("anyrouter-keepalive");
        this.timer = Threads.scheduler("anyrouter-timer");
        this.metrics = new Metrics(activeRelays, prices::listed);
        metrics.ledger(ledger::queueDepth, ledger::writeFailures, () -> ledger.healthy() ? 1 : 0);
        config.upstreams().forEach(configured -> metrics.endpoints(router.endpoints(configured)));
        this.rateLimits = RateLimits.of(config.limits(),
                database.postgresql() ? Optional.of(database.dataSource()) : Optional.empty(), writers);
        this.streamCaps = new StreamCaps(config.limits());
        // No request outlives its total timeout and the shutdown grace: an older reservation was left by a dead replica.
        this.creditLimits = new CreditLimits(new CreditReservations(database, config.timeouts().total()
                .plus(config.shutdownGrace()).plusMinutes(1), Clock.systemUTC()), config.limits().reserveTokens());
        this.credit = new Credit(keyStore, ledger);
        onGeneration(this::chargeTokens);
        onGeneration(metrics::generation);
        onGeneration(accessLog::generation);
        // Loading an encoding takes a second or more on a busy machine: not on the first cancelled stream's bill.
        inBackground("token counting not prepared", TokenCounter::prepare);
        long refresh = config.keyRefresh().toMillis();
        timer.scheduleWithFixedDelay(() -> inBackground("keys not reloaded", keys::refresh), refresh, refresh,
                TimeUnit.MILLISECONDS);
        if (database.postgresql()) {
            timer.scheduleWithFixedDelay(() -> inBackground("expired rate-limit buckets not deleted",
                    rateLimits::removeExpired), 1, 5, TimeUnit.MINUTES);
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

    /**
     * Registers how to end one running request at shutdown ({@link #drain}); the caller removes it when the
     * request ends.
     */
    public void running(Runnable stopper) {
        stoppers.add(stopper);
    }

    public void done(Runnable stopper) {
        stoppers.remove(stopper);
    }

    /** True once {@link #drain} began: new requests are refused with a 503. */
    public boolean draining() {
        return draining;
    }

    /**
     * Graceful shutdown: refuses new requests, lets running ones finish for up to {@code grace}, then ends the
     * rest (their clients get an error event, their upstreams are aborted) and waits briefly for them to bill.
     * {@link #close()} then writes the ledger's last rows.
     */
    public void drain(Duration grace) {
        draining = true;
        if (!awaitRelays(grace)) {
            LOG.log(System.Logger.Level.INFO, "shutdown: ending " + activeRelays.get() + " requests still running");
            stoppers.forEach(Runnable::run);
            awaitRelays(Duration.ofSeconds(2));
        }
    }

    private boolean awaitRelays(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (activeRelays.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return activeRelays.get() == 0;
    }

    /**
     * A relay is done with {@code generation}: it is billed and ended on an accounting thread (counting its tokens
     * may take tens of milliseconds), then {@link #finished}. Returns at once.
     */
    public void finish(Generation generation, Generation.Outcome outcome, String error) {
        accounting.finish(generation, outcome, error);
    }

    /** A generation has ended: its row goes to the ledger, and to every listener. Returns at once. */
    public void finished(GenerationRecord record) {
        ledger.add(record);
        for (Consumer<GenerationRecord> listener : listeners) {
            try {
                listener.accept(record);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "a generation listener failed", e);
            }
        }
    }

    /**
     * Calls {@code listener} with every finished generation, on the accounting thread that billed it (or the relay
     * thread that ended it), after its client response is done. For metrics and embedding applications; it must
     * not block.
     */
    public void onGeneration(Consumer<GenerationRecord> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Refuses (503, with a Retry-After) billable requests while the usage ledger has been failing to write for a
     * while or holds too many rows ({@link Ledger#failing()}): they could not be billed. The rows of requests
     * already running stay queued and are written once the database is back.
     */
    public void checkLedger() {
        if (ledger.failing()) {
            throw GatewayException.refused(Refusal.LEDGER, 503, ErrorTypes.OVERLOADED, "the gateway cannot record "
                    + "usage right now (its database does not accept writes); try again",
                    Optional.of(LEDGER_RETRY_AFTER));
        }
    }

    /** What keys have spent, and the checks that refuse a key over its credit limit. */
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

    /**
     * Sends keep-alive comments, reloads the keys and checks the database for {@link #ready}, so that a stalled
     * client or database never holds up the timer or a caller.
     */
    public ExecutorService writers() {
        return writers;
    }

    public ScheduledExecutorService timer() {
        return timer;
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
     * Whether the engine runs, its database answers within {@code timeout} and its usage ledger is not failing
     * ({@link Ledger#failing()}). Blocks at most that long: call it
     * on a relay thread. Concurrent callers share one check, so a database that hangs holds up one thread only.
     */
    public boolean ready(Duration timeout) {
        if (closed) {
            return false;
        }
        CompletableFuture<Boolean> check;
        synchronized (this) {
            if (databaseCheck == null || databaseCheck.isDone()) {
                try {
                    databaseCheck = CompletableFuture.supplyAsync(database::answers, writers);
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

    /** Requests whose relay (upstream exchange and client writes) is running now. */
    public AtomicInteger activeRelays() {
        return activeRelays;
    }

    /**
     * Stops the timer and threads (running relays are interrupted and end their generations), writes the ledger's
     * last rows, and closes the database, the upstream client and the metrics.
     */
    @Override
    public void close() {
        closed = true;
        draining = true;
        stoppers.forEach(Runnable::run); // what is still running ends with an error event, its upstream aborted
        awaitRelays(Duration.ofSeconds(2));
        timer.shutdownNow();
        writers.shutdownNow();
        relays.shutdownNow();
        try {
            relays.awaitTermination(5, TimeUnit.SECONDS);
            writers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        accounting.close(); // the generations still being billed reach the ledger before it closes
        ledger.close();
        ledgerWriter.shutdownNow();
        ledgerJournal.shutdownNow();
        database.close();
        upstream.close();
        metrics.close();
    }

    /** A generation's billed tokens count against its key's tokens per minute. */
    private void chargeTokens(GenerationRecord record) {
        keys.byId(record.keyId()).ifPresent(key -> rateLimits.charge(key,
                record.promptTokens() + record.completionTokens()));
    }

    /**
     * Timer: runs {@code task} (key reloads, bucket clean-up) on a writer thread, as the database may be slow and
     * the timer must not wait; a failure is logged as {@code failure}.
     */
    private void inBackground(String failure, Runnable task) {
        try {
            writers.execute(() -> {
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
}
