package dev.anyrouter.store;

import dev.anyrouter.accounting.Price;
import dev.anyrouter.accounting.GenerationRecord;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * The usage ledger: one row per generation, written off the relay path. {@link #add} only queues the row; one
 * writer task stores queued rows in batches, each batch in one transaction that also adds the rows' costs to their
 * keys' spend, so a key's spend always equals the sum of its rows. A row is inserted at most once (a batch retried
 * after an unclear failure skips rows already there).
 *
 * <p>Nothing is dropped: the queue is unbounded, a failed batch is retried until it is written, and
 * {@link #close()} writes everything still queued. Until a row is written, {@link #find} and {@link #unwritten}
 * still see it, so credit checks and the generation API never miss a finished generation.
 */
public final class Ledger implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Ledger.class.getName());
    private static final int BATCH = 500;
    private static final Duration RETRY = Duration.ofSeconds(1);
    /**
     * How long the writer waits after a row arrives for more to join its transaction. A transaction per stream
     * costs CPU that the streams' own work competes for (measured: +1.5 ms on each stream's time to first token
     * at one stream at a time); rows stay visible to {@link #find} and credit checks meanwhile.
     */
    private static final Duration LINGER = Duration.ofMillis(100);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
    private static final Entry STOP = new Entry("", "", "", "", "", false, false, "", null, 0, 0, false,
            BigDecimal.ZERO, null, 0, null, null);

    private final Database db;
    private final LinkedBlockingQueue<Entry> queue = new LinkedBlockingQueue<>();
    private final Map<String, Entry> pending = new ConcurrentHashMap<>();
    private final Map<String, BigDecimal> pendingCost = new ConcurrentHashMap<>();
    private final Future<?> writer;
    private volatile boolean closed;

    public Ledger(Database db, ExecutorService executor) {
        this.db = db;
        this.writer = executor.submit(this::write);
    }

    /**
     * Queues a finished generation's row (without its text); returns at once. After {@link #close()} (a relay that
     * outlived the shutdown) the row can no longer be written and is logged in full at ERROR instead.
     */
    public void add(GenerationRecord record) {
        Entry row = Entry.of(record);
        if (closed) {
            LOG.log(System.Logger.Level.ERROR, "ledger row after shutdown, not written: {0}", row);
            return;
        }
        pending.put(row.id(), row);
        pendingCost.merge(row.keyId(), row.cost(), BigDecimal::add);
        queue.add(row);
    }

    /** The costs of {@code keyId}'s generations that have finished but are not written yet. */
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
        List<Entry> batch = new ArrayList<>();
        boolean stopping = false;
        while (!stopping || !batch.isEmpty()) {
            try {
                if (batch.isEmpty()) {
                    batch.add(queue.take());
                    if (batch.get(0) != STOP) {
                        Thread.sleep(LINGER.toMillis()); // let rows gather: one transaction for many streams
                    }
                }
                queue.drainTo(batch, BATCH - batch.size());
                stopping |= batch.remove(STOP);
                if (!batch.isEmpty()) {
                    store(batch);
                    batch.forEach(this::written);
                    batch.clear();
                }
            } catch (InterruptedException e) {
                return;
            } catch (SQLException | RuntimeException e) {
                if (rejected(batch, e)) {
                    continue;
                }
                LOG.log(System.Logger.Level.WARNING, "ledger: " + batch.size() + " rows not written yet, retrying in "
                        + RETRY.toSeconds() + " s: " + e.getMessage());
                try {
                    Thread.sleep(RETRY.toMillis());
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    /**
     * Whether the database refused {@code batch} for its data (SQL state class 22 or 23), not for a passing
     * failure. Then the rows are tried one by one, so one bad row cannot hold up the others; a row refused on its
     * own is quarantined ({@link #quarantine}).
     */
    private boolean rejected(List<Entry> batch, Exception failure) {
        String state = failure instanceof SQLException e && e.getSQLState() != null ? e.getSQLState() : "";
        if (!state.startsWith("22") && !state.startsWith("23")) {
            return false;
        }
        List<Entry> rows = new ArrayList<>(batch);
        batch.clear();
        for (Entry row : rows) {
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
    private boolean quarantine(Entry row, SQLException refusal) {
        Entry clean = row.quarantined(refusal.getSQLState());
        try {
            store(List.of(clean));
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

    private void written(Entry record) {
        pending.remove(record.id());
        pendingCost.computeIfPresent(record.keyId(), (k, v) -> {
            BigDecimal rest = v.subtract(record.cost());
            return rest.signum() == 0 ? null : rest;
        });
    }

    private void store(List<Entry> batch) throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                // by key id: replicas sharing the database lock the keys' rows in one order, so never deadlock;
                // first, as a credit reservation does, so that the two wait for each other instead
                Map<String, BigDecimal> spent = new TreeMap<>();
                lockKeys(c, batch);
                try (PreparedStatement insert = c.prepareStatement("INSERT INTO generations (id, key_id, model, "
                        + "served_model, provider, streamed, cancelled, outcome, finish_reason, tokens_prompt, "
                        + "tokens_completion, tokens_counted, total_cost, latency_ms, generation_time_ms, "
                        + "created_at, error) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? "
                        + "WHERE NOT EXISTS (SELECT 1 FROM generations WHERE id = ?)")) {
                    for (Entry r : batch) {
                        bind(insert, r);
                        if (insert.executeUpdate() == 1) {
                            spent.merge(r.keyId(), r.cost(), BigDecimal::add);
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
                CreditReservations.settle(c, batch.stream().map(Entry::id)::iterator);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private static void lockKeys(Connection c, List<Entry> batch) throws SQLException {
        try (PreparedStatement lock = c.prepareStatement("SELECT id FROM api_keys WHERE id = ? FOR UPDATE")) {
            for (String key : batch.stream().map(Entry::keyId).collect(Collectors.toCollection(TreeSet::new))) {
                lock.setString(1, key);
                lock.executeQuery().close();
            }
        }
    }

    private static void bind(PreparedStatement ps, Entry r) throws SQLException {
        ps.setString(1, r.id());
        ps.setString(2, r.keyId());
        ps.setString(3, truncate(r.model(), 200));
        ps.setString(4, truncate(r.servedModel(), 200));
        ps.setString(5, r.provider());
        ps.setBoolean(6, r.streamed());
        ps.setBoolean(7, r.cancelled());
        ps.setString(8, r.outcome());
        ps.setString(9, truncate(r.finishReason(), 64));
        ps.setLong(10, r.promptTokens());
        ps.setLong(11, r.completionTokens());
        ps.setBoolean(12, r.tokensCounted());
        ps.setBigDecimal(13, r.cost());
        if (r.firstChunkMillis() == null) {
            ps.setNull(14, Types.BIGINT);
        } else {
            ps.setLong(14, r.firstChunkMillis());
        }
        ps.setLong(15, r.totalMillis());
        ps.setTimestamp(16, Timestamp.from(r.createdAt()));
        ps.setString(17, truncate(r.error(), 1000));
        ps.setString(18, r.id());
    }

    private static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }

    /**
     * A ledger row as stored (without the delivered text).
     *
     * @param outcome {@code completed}, {@code cancelled} or {@code failed}
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
    }
}
