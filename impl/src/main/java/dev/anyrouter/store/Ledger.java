package dev.anyrouter.store;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.config.Price;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The usage ledger: one row per generation, written off the relay path. {@link #add} only queues the row; one
 * writer task stores queued rows in batches, each batch in one transaction that also adds the rows' costs to their
 * keys' spend, so a key's spend always equals the sum of its rows. A row is inserted at most once (a batch retried
 * after an unclear failure skips rows already there).
 *
 * <p>Running generations have rows too ({@code in_progress}, see {@link InFlight}), which their final row replaces;
 * each row's cost is in its key's spend as soon as the row is written. At start, this replica's rows left in
 * progress (and any replica's older than {@code orphanAfter}) are closed as {@code interrupted}, billed with
 * their last recorded cost ({@link #recover}).
 *
 * <p>Nothing is dropped: a row leaves the queue only once its transaction committed and, on the embedded
 * database, reached its file (a {@code CHECKPOINT}: H2 otherwise keeps commits in memory for up to half a second,
 * and loses them if it stops first). A failed batch is retried with a growing pause ({@link #RETRY} up to {@link
 * #MAX_RETRY}); meanwhile the ledger is not {@link #healthy()}, which the gateway reports and acts on. {@link
 * #close()} writes everything still queued, and logs at ERROR each row it could not. Until a row is written,
 * {@link #find} and {@link #unwritten} still see it, so credit checks and the generation API never miss a
 * finished generation.
 */
public final class Ledger implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Ledger.class.getName());
    private static final int BATCH = 500;
    private static final Duration RETRY = Duration.ofMillis(500);
    private static final Duration MAX_RETRY = Duration.ofSeconds(5);
    /** The outcome of a row whose generation is still running. */
    public static final String IN_PROGRESS = "in_progress";
    /** The outcome of a row left in progress by a gateway that stopped without ending it (a kill, a crash). */
    public static final String INTERRUPTED = "interrupted";
    /**
     * How long the writer waits after a row arrives for more to join its transaction. A transaction per stream
     * costs CPU that the streams' own work competes for (measured: +1.5 ms on each stream's time to first token
     * at one stream at a time); rows stay visible to {@link #find} and credit checks meanwhile.
     */
    private static final Duration LINGER = Duration.ofMillis(100);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
    private static final Item STOP = new Item(new Entry("", "", "", "", "", false, false, "", null, 0, 0, false,
            BigDecimal.ZERO, null, 0, null, null), false, null);
    private static final int LOGGED_IDS = 20;
    /** How long the ledger may fail before {@link #failing()}: a passing lock timeout or fail-over refuses nothing. */
    static final Duration FAILING_AFTER = Duration.ofSeconds(10);
    /** How many rows may wait while the ledger fails before {@link #failing()}: the queue's bound in practice. */
    static final int MAX_WAITING = 10_000;

    private final Database db;
    private final String owner;
    private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private final Map<String, Entry> pending = new ConcurrentHashMap<>();
    private final Map<String, BigDecimal> pendingCost = new ConcurrentHashMap<>();
    /** The cost of each running generation's last written in-progress row: in its key's spend already. */
    private final Map<String, BigDecimal> recorded = new ConcurrentHashMap<>();
    /** What each queued final row adds to its key's spend beyond its in-progress row ({@link #unwritten}). */
    private final Map<String, BigDecimal> pendingPart = new ConcurrentHashMap<>();
    /** Rows queued or being written, final and in progress. */
    private final AtomicInteger depth = new AtomicInteger();
    private final AtomicLong failures = new AtomicLong();
    private final InFlight inFlight;
    private final Future<?> writer;
    private volatile boolean healthy = true;
    /** When the current run of failures began (nanoTime); meaningful while not healthy. */
    private volatile long failingSince;
    private volatile boolean closed;

    /** A ledger of one replica on its own (tests): owner {@code local}, orphans after an hour. */
    public Ledger(Database db, ExecutorService executor) {
        this(db, executor, singleThread(), "local", Duration.ofHours(1));
    }

    /**
     * Closes the rows left in progress ({@link #recover}) and starts writing.
     *
     * @param executor    runs the writer task
     * @param journal     a single thread of its own: records running generations ({@link InFlight}); shut down
     *                    by {@link #close()}
     * @param owner       this replica's id, written on its in-progress rows
     * @param orphanAfter how old another replica's in-progress row must be to be closed as interrupted: longer
     *                    than any generation may run
     */
    public Ledger(Database db, ExecutorService executor, ScheduledExecutorService journal, String owner,
            Duration orphanAfter) {
        this.db = db;
        this.owner = owner;
        recover(orphanAfter);
        this.inFlight = new InFlight(this, journal);
        if (db.postgresql()) { // other replicas' orphans, should they stop for good
            journal.scheduleWithFixedDelay(() -> closeOrphans(orphanAfter), 1, 1, TimeUnit.MINUTES);
        }
        this.writer = executor.submit(this::write);
    }

    /**
     * Records {@code generation} in the ledger while it runs; its final row ({@link #add}) ends that. The relay
     * calls {@link InFlight.Handle#record()} once the upstream accepted the request, and waits with {@link
     * InFlight.Handle#awaitRecorded} before the client's first byte.
     */
    public InFlight.Handle begin(Generation generation) {
        return inFlight.begin(generation);
    }

    /** Whether the last write succeeded: false from a failed write until the next one succeeds. */
    public boolean healthy() {
        return healthy;
    }

    /**
     * Whether the ledger has been failing too long ({@link #FAILING_AFTER}) or holds too many rows ({@link
     * #MAX_WAITING}) to take new billable work: the gateway then refuses it and is not ready.
     */
    public boolean failing() {
        return !healthy && (System.nanoTime() - failingSince >= FAILING_AFTER.toNanos()
                || depth.get() > MAX_WAITING);
    }

    /** Batches that failed to write since the start. */
    public long writeFailures() {
        return failures.get();
    }

    /** Rows waiting to be written (final and in progress). */
    public int queueDepth() {
        return depth.get();
    }

    /** Generations running now (recorded as in progress). */
    public int running() {
        return inFlight.size();
    }

    /** Queues an in-progress row; {@code durable}, if not null, completes once it is written. */
    void progress(Entry row, CompletableFuture<Void> durable) {
        if (closed) {
            if (durable != null) {
                durable.complete(null);
            }
            return;
        }
        depth.incrementAndGet();
        queue.add(new Item(row, true, durable));
    }

    /**
     * Queues a finished generation's row (without its text); returns at once. After {@link #close()} (a relay that
     * outlived the shutdown) the row can no longer be written and is logged in full at ERROR instead.
     */
    public void add(GenerationRecord record) {
        Entry row = Entry.of(record);
        inFlight.ended(row.id());
        if (closed) {
            LOG.log(System.Logger.Level.ERROR, "ledger row after shutdown, not written: {0}", row);
            return;
        }
        pending.put(row.id(), row);
        BigDecimal part = row.cost().subtract(recorded.getOrDefault(row.id(), BigDecimal.ZERO));
        pendingPart.put(row.id(), part);
        pendingCost.merge(row.keyId(), part, BigDecimal::add);
        depth.incrementAndGet();
        queue.add(new Item(row, false, null));
    }

    /**
     * What {@code keyId}'s generations that have finished but are not written yet add to its spend: their costs,
     * less what their in-progress rows put in it already.
     */
    public BigDecimal unwritten(String keyId) {
        return pendingCost.getOrDefault(keyId, BigDecimal.ZERO);
    }

    /** A generation's row, written or still queued. */
    public Optional<Entry> find(String id) {
        Entry queued = pending.get(id);
        if (queued != null) {
            return Optional.of(queued);
        }
        try (Connection c = db.connection();
                PreparedStatement ps = c.prepareStatement("SELECT id, key_id, model, served_model, provider, "
                        + "streamed, cancelled, outcome, finish_reason, tokens_prompt, tokens_completion, "
                        + "tokens_counted, total_cost, latency_ms, generation_time_ms, created_at, error "
                        + "FROM generations WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                long latency = rs.getLong(14);
                Long firstChunk = rs.wasNull() ? null : latency;
                return Optional.of(new Entry(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getBoolean(6), rs.getBoolean(7), rs.getString(8), rs.getString(9),
                        rs.getLong(10), rs.getLong(11), rs.getBoolean(12), Price.normal(rs.getBigDecimal(13)),
                        firstChunk, rs.getLong(15), rs.getTimestamp(16).toInstant(), rs.getString(17)));
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the ledger: " + e.getMessage(), e);
        }
    }

    /** Rows not written yet. */
    public int backlog() {
        return pending.size();
    }

    /** Writes every queued row, then stops the writer. */
    @Override
    public void close() {
        closed = true;
        inFlight.close();
        queue.add(STOP);
        try {
            writer.get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            writer.cancel(true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            writer.cancel(true);
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.log(System.Logger.Level.ERROR, "the ledger writer failed", e.getCause());
        }
        if (!pending.isEmpty()) {
            pending.values().forEach(r -> LOG.log(System.Logger.Level.ERROR, "ledger row not written: {0}", r));
        }
    }

    private void write() {
        List<Item> batch = new ArrayList<>();
        boolean stopping = false;
        Duration retry = RETRY;
        while (!stopping || !batch.isEmpty()) {
            try {
                if (batch.isEmpty()) {
                    batch.add(queue.take());
                    gather(batch);
                }
                queue.drainTo(batch, BATCH - batch.size());
                stopping |= batch.remove(STOP);
                if (!batch.isEmpty()) {
                    store(batch);
                    batch.forEach(this::written);
                    batch.clear();
                    recovered();
                    retry = RETRY;
                }
            } catch (InterruptedException e) {
                return;
            } catch (SQLException | RuntimeException e) {
                if (rejected(batch, e)) {
                    continue;
                }
                failed(batch, e, retry);
                try {
                    Thread.sleep(retry.toMillis());
                } catch (InterruptedException stop) {
                    return;
                }
                retry = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
            }
        }
    }

    /**
     * Lets rows gather for up to {@link #LINGER} after the first, so many streams share one transaction; stops at
     * once for a row a stream waits for (its first byte), and at {@link #STOP}.
     */
    private void gather(List<Item> batch) throws InterruptedException {
        long deadline = System.nanoTime() + LINGER.toNanos();
        Item last = batch.get(batch.size() - 1);
        while (last != STOP && last.durable() == null && batch.size() < BATCH) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || (last = queue.poll(left, TimeUnit.NANOSECONDS)) == null) {
                return;
            }
            batch.add(last);
        }
    }

    /** A batch failed for the database, not its data: the rows stay queued; the first failure is an ERROR. */
    private void failed(List<Item> batch, Exception e, Duration retry) {
        failures.incrementAndGet();
        String ids = batch.stream().limit(LOGGED_IDS).map(i -> i.row().id()).collect(Collectors.joining(", "))
                + (batch.size() > LOGGED_IDS ? ", …" : "");
        if (healthy) {
            failingSince = System.nanoTime();
            healthy = false;
            LOG.log(System.Logger.Level.ERROR, "ledger: cannot write to the " + db.description() + " ("
                    + e.getMessage() + "); " + depth.get() + " rows kept in memory and retried (billable requests are "
                    + "refused if it still fails in " + FAILING_AFTER.toSeconds() + " s); waiting: " + ids);
        } else {
            LOG.log(System.Logger.Level.WARNING, "ledger: still cannot write (" + e.getMessage() + "); "
                    + depth.get() + " rows waiting, next try in " + retry.toMillis() + " ms: " + ids);
        }
    }

    private void recovered() {
        if (!healthy) {
            healthy = true;
            LOG.log(System.Logger.Level.INFO, "ledger: writing again after " + failures.get()
                    + " failed writes; " + depth.get() + " rows still queued");
        }
    }

    /**
     * Whether the database refused {@code batch} for its data (SQL state class 22 or 23), not for a passing
     * failure. Then the rows are tried one by one, so one bad row cannot hold up the others; a row refused on its
     * own is quarantined ({@link #quarantine}).
     */
    private boolean rejected(List<Item> batch, Exception failure) {
        String state = failure instanceof SQLException e && e.getSQLState() != null ? e.getSQLState() : "";
        if (!state.startsWith("22") && !state.startsWith("23")) {
            return false;
        }
        List<Item> rows = new ArrayList<>(batch);
        batch.clear();
        for (Item row : rows) {
            try {
                store(List.of(row));
            } catch (SQLException e) {
                String rowState = e.getSQLState() == null ? "" : e.getSQLState();
                if (!rowState.startsWith("22") && !rowState.startsWith("23")) {
                    batch.add(row); // a passing failure after all: retried with the rest
                    continue;
                }
                if (!quarantine(row, e)) {
                    batch.add(row);
                    continue;
                }
            }
            written(row);
        }
        return batch.isEmpty();
    }

    /**
     * Stores a row the database refused with its text fields sanitised ({@link Entry#quarantined}), so that its cost
     * is still charged to its key; logs an ERROR naming the generation either way. False if the second try met a
     * passing failure (the row is retried with the rest); true once the row is settled, stored or not.
     */
    private boolean quarantine(Item item, SQLException refusal) {
        Entry clean = item.row().quarantined(refusal.getSQLState());
        try {
            store(List.of(new Item(clean, item.progress(), item.durable())));
            LOG.log(System.Logger.Level.ERROR, "ledger row " + clean.id() + " refused by the database ("
                    + Entry.clean(refusal.getMessage(), 300) + "); stored with its text sanitised, its cost charged: "
                    + clean);
            return true;
        } catch (SQLException e) {
            String state = e.getSQLState() == null ? "" : e.getSQLState();
            if (!state.startsWith("22") && !state.startsWith("23")) {
                return false;
            }
            LOG.log(System.Logger.Level.ERROR, "ledger row " + clean.id() + " refused by the database even sanitised ("
                    + Entry.clean(e.getMessage(), 300) + "); NOT stored, its cost NOT charged: " + clean);
            return true;
        }
    }

    private void written(Item item) {
        depth.decrementAndGet();
        if (item.durable() != null) {
            item.durable().complete(null);
        }
        Entry record = item.row();
        if (item.progress()) {
            if (!pending.containsKey(record.id())) { // not after its final row, which no longer needs it
                recorded.put(record.id(), record.cost());
            }
            return;
        }
        pending.remove(record.id());
        recorded.remove(record.id());
        BigDecimal part = pendingPart.remove(record.id());
        pendingCost.computeIfPresent(record.keyId(), (k, v) -> {
            BigDecimal rest = v.subtract(part == null ? record.cost() : part);
            return rest.signum() == 0 ? null : rest;
        });
    }

    private static final String INSERT = "INSERT INTO generations (id, key_id, model, served_model, provider, "
            + "streamed, cancelled, outcome, finish_reason, tokens_prompt, tokens_completion, tokens_counted, "
            + "total_cost, latency_ms, generation_time_ms, created_at, error, owner) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String UPDATE = "UPDATE generations SET key_id = ?, model = ?, served_model = ?, "
            + "provider = ?, streamed = ?, cancelled = ?, outcome = ?, finish_reason = ?, tokens_prompt = ?, "
            + "tokens_completion = ?, tokens_counted = ?, total_cost = ?, latency_ms = ?, generation_time_ms = ?, "
            + "created_at = ?, error = ?, owner = ? WHERE id = ?";

    /**
     * Stores {@code batch} in one transaction: a row is inserted, or replaces its generation's in-progress row;
     * a generation's final row is never replaced (a batch retried after an unclear failure, an in-progress row
     * that arrives after the final one). Each key's spend changes by what its rows' costs changed.
     */
    private void store(List<Item> batch) throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                // by key id: replicas sharing the database lock the keys' rows in one order, so never deadlock;
                // first, as a credit reservation does, so that the two wait for each other instead
                Map<String, BigDecimal> spent = new TreeMap<>();
                lockKeys(c, batch);
                try (PreparedStatement find = c.prepareStatement(
                        "SELECT outcome, total_cost FROM generations WHERE id = ?");
                        PreparedStatement insert = c.prepareStatement(INSERT);
                        PreparedStatement update = c.prepareStatement(UPDATE)) {
                    for (Item item : batch) {
                        BigDecimal change = store(item, find, insert, update);
                        if (change.signum() != 0) {
                            spent.merge(item.row().keyId(), change, BigDecimal::add);
                        }
                    }
                }
                try (PreparedStatement add = c.prepareStatement(
                        "UPDATE api_keys SET credit_used = credit_used + ? WHERE id = ?")) {
                    for (Map.Entry<String, BigDecimal> e : spent.entrySet()) {
                        add.setBigDecimal(1, e.getValue());
                        add.setString(2, e.getKey());
                        add.executeUpdate();
                    }
                }
                // a final row settles its generation's credit reservation; an in-progress row leaves it held
                CreditReservations.settle(c, batch.stream().filter(i -> !i.progress()).map(i -> i.row().id())::iterator);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
            if (!db.postgresql()) {
                c.setAutoCommit(true);
                try (Statement checkpoint = c.createStatement()) {
                    checkpoint.execute("CHECKPOINT"); // the commit reaches the file: durable, or an error here
                }
            }
        }
    }

    /** One row of a batch; returns how much its key's spend changes. */
    private BigDecimal store(Item item, PreparedStatement find, PreparedStatement insert, PreparedStatement update)
            throws SQLException {
        Entry r = item.row();
        String rowOwner = item.progress() ? owner : null;
        find.setString(1, r.id());
        try (ResultSet rs = find.executeQuery()) {
            if (!rs.next()) {
                bind(insert, r);
                insert.setString(18, rowOwner);
                insert.executeUpdate();
                return r.cost();
            }
            if (!IN_PROGRESS.equals(rs.getString(1))) {
                return BigDecimal.ZERO; // the final row is there already
            }
            BigDecimal before = rs.getBigDecimal(2);
            update.setString(1, r.keyId());
            bind(update, 2, r);
            update.setString(17, rowOwner);
            update.setString(18, r.id());
            update.executeUpdate();
            return r.cost().subtract(before);
        }
    }

    /**
     * At start: closes as {@code interrupted} the rows this replica left in progress (it was killed, or crashed)
     * and those of any replica older than {@code orphanAfter}, billed with their last recorded cost (already in
     * their keys' spend). On the embedded database, which no other replica shares, each key's spend is then set to
     * the sum of its rows.
     */
    private void recover(Duration orphanAfter) {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                int closed = closeInProgress(c, "owner = ? OR created_at < ?", orphanAfter);
                int fixed = 0;
                if (!db.postgresql()) {
                    try (Statement s = c.createStatement()) {
                        fixed = s.executeUpdate("UPDATE api_keys SET credit_used = (SELECT COALESCE(SUM(g.total_cost)"
                                + ", 0) FROM generations g WHERE g.key_id = api_keys.id) WHERE credit_used <> "
                                + "(SELECT COALESCE(SUM(g.total_cost), 0) FROM generations g WHERE g.key_id = "
                                + "api_keys.id)");
                    }
                }
                c.commit();
                if (closed > 0 || fixed > 0) {
                    LOG.log(System.Logger.Level.WARNING, "ledger: " + closed + " generations left running by a "
                            + "gateway that stopped without ending them are closed as interrupted, billed as last "
                            + "recorded" + (fixed > 0 ? "; the spend of " + fixed + " keys set to their rows' sum" : ""));
                }
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("cannot recover the ledger: " + e.getMessage(), e);
        }
    }

    /** Timer (PostgreSQL): closes the rows of replicas that stopped for good, once older than {@code orphanAfter}. */
    private void closeOrphans(Duration orphanAfter) {
        try (Connection c = db.connection()) {
            int closed = closeInProgress(c, "created_at < ? AND owner <> ?", orphanAfter);
            if (closed > 0) {
                LOG.log(System.Logger.Level.WARNING, "ledger: " + closed + " generations left running by another "
                        + "replica more than " + orphanAfter.toMinutes() + " min ago are closed as interrupted");
            }
        } catch (SQLException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "ledger: orphaned in-progress rows not closed: " + e.getMessage());
        }
    }

    private int closeInProgress(Connection c, String which, Duration orphanAfter) throws SQLException {
        try (PreparedStatement close = c.prepareStatement("UPDATE generations SET outcome = ?, owner = NULL, "
                + "error = ? WHERE outcome = ? AND (" + which + ")")) {
            close.setString(1, INTERRUPTED);
            close.setString(2, "the gateway stopped before the generation ended; billed as last recorded");
            close.setString(3, IN_PROGRESS);
            Timestamp before = Timestamp.from(java.time.Instant.now().minus(orphanAfter));
            if (which.startsWith("owner")) {
                close.setString(4, owner);
                close.setTimestamp(5, before);
            } else {
                close.setTimestamp(4, before);
                close.setString(5, owner);
            }
            return close.executeUpdate();
        }
    }

    private static void lockKeys(Connection c, List<Item> batch) throws SQLException {
        try (PreparedStatement lock = c.prepareStatement("SELECT id FROM api_keys WHERE id = ? FOR UPDATE")) {
            for (String key : batch.stream().map(i -> i.row().keyId()).collect(Collectors.toCollection(TreeSet::new))) {
                lock.setString(1, key);
                lock.executeQuery().close();
            }
        }
    }

    private static void bind(PreparedStatement ps, Entry r) throws SQLException {
        ps.setString(1, r.id());
        ps.setString(2, r.keyId());
        bind(ps, 3, r);
    }

    /** The columns from {@code model} to {@code error}, from parameter {@code at} on. */
    private static void bind(PreparedStatement ps, int at, Entry r) throws SQLException {
        ps.setString(at, truncate(r.model(), 200));
        ps.setString(at + 1, truncate(r.servedModel(), 200));
        ps.setString(at + 2, r.provider());
        ps.setBoolean(at + 3, r.streamed());
        ps.setBoolean(at + 4, r.cancelled());
        ps.setString(at + 5, r.outcome());
        ps.setString(at + 6, truncate(r.finishReason(), 64));
        ps.setLong(at + 7, r.promptTokens());
        ps.setLong(at + 8, r.completionTokens());
        ps.setBoolean(at + 9, r.tokensCounted());
        ps.setBigDecimal(at + 10, r.cost());
        if (r.firstChunkMillis() == null) {
            ps.setNull(at + 11, Types.BIGINT);
        } else {
            ps.setLong(at + 11, r.firstChunkMillis());
        }
        ps.setLong(at + 12, r.totalMillis());
        ps.setTimestamp(at + 13, Timestamp.from(r.createdAt()));
        ps.setString(at + 14, truncate(r.error(), 1000));
    }

    private static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }

    /**
     * A ledger row as stored (without the delivered text).
     *
     * @param outcome {@code completed}, {@code cancelled} or {@code failed}; {@code in_progress} while the
     *                generation runs, {@code interrupted} if the gateway stopped before it ended
     */
    public record Entry(String id, String keyId, String model, String servedModel, String provider,
            boolean streamed, boolean cancelled, String outcome, String finishReason, long promptTokens,
            long completionTokens, boolean tokensCounted, BigDecimal cost, Long firstChunkMillis,
            long totalMillis, java.time.Instant createdAt, String error) {

        /**
         * This row as stored after the database refused it: control characters stripped from its text fields,
         * each cut to its column's length, and the error saying so (SQL state {@code state}); ids, numbers and
         * cost unchanged.
         */
        Entry quarantined(String state) {
            String note = "quarantined: the database refused the row (SQL state " + state + "), its text was sanitised"
                    + (error == null ? "" : "; " + error);
            return new Entry(id, keyId, clean(model, 200), clean(servedModel, 200), clean(provider, 64), streamed,
                    cancelled, clean(outcome, 16), clean(finishReason, 64), promptTokens, completionTokens,
                    tokensCounted, cost, firstChunkMillis, totalMillis, createdAt, clean(note, 1000));
        }

        /** {@code text} without ISO control characters, at most {@code max} characters long. */
        static String clean(String text, int max) {
            if (text == null) {
                return null;
            }
            StringBuilder kept = new StringBuilder(Math.min(text.length(), max));
            for (int i = 0; i < text.length() && kept.length() < max; i++) {
                if (!Character.isISOControl(text.charAt(i))) {
                    kept.append(text.charAt(i));
                }
            }
            return kept.toString();
        }

        static Entry of(GenerationRecord r) {
            return new Entry(r.id(), r.keyId(), r.model(), r.servedModel(), r.provider(), r.streamed(),
                    r.cancelled(), r.outcome().name().toLowerCase(java.util.Locale.ROOT), r.finishReason(),
                    r.promptTokens(), r.completionTokens(), r.tokensCounted(), Price.normal(r.cost()),
                    r.firstChunkMillis(), r.totalMillis(), r.createdAt(), r.error());
        }

        /** The row of a generation still running, billed for what it has delivered so far. */
        static Entry inProgress(String id, Generation.Progress p) {
            Generation.Bill bill = p.bill(Generation.Outcome.CANCELLED); // as if it ended now, by a kill
            return new Entry(id, p.keyId(), p.route().requestedModel(),
                    p.servedModel() != null ? p.servedModel() : p.route().upstreamModel(),
                    p.route().upstream().name(), p.streamed(), false, IN_PROGRESS, null, bill.promptTokens(),
                    bill.completionTokens(), bill.counted(), Price.normal(bill.cost()), p.firstChunkMillis(),
                    p.totalMillis(), p.createdAt(), null);
        }
    }

    /**
     * One row to write: a final one, or an in-progress one ({@code progress}); {@code durable}, if not null,
     * completes once it is written.
     */
    private record Item(Entry row, boolean progress, CompletableFuture<Void> durable) {
    }

    /** The journal's thread when the caller has none (tests). */
    private static ScheduledExecutorService singleThread() {
        ScheduledThreadPoolExecutor thread = new ScheduledThreadPoolExecutor(1, task -> {
            Thread t = java.util.concurrent.Executors.defaultThreadFactory().newThread(task);
            t.setName("anyrouter-ledger-journal");
            t.setDaemon(true);
            return t;
        });
        thread.setRemoveOnCancelPolicy(true);
        return thread;
    }
}
