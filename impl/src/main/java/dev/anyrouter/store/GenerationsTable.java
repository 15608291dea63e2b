package dev.anyrouter.store;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The {@code generations} table as the {@link Ledger} uses it: reads a row, stores a batch of rows with their keys'
 * spend in one transaction, and closes the rows that stopped gateways left in progress. The row's columns and
 * statements are {@link GenerationColumns}.
 */
final class GenerationsTable {

    private static final System.Logger LOG = System.getLogger(Ledger.class.getName());

    private final Database db;
    private final String owner;

    /** @param owner this replica's id, written on its in-progress rows */
    GenerationsTable(Database db, String owner) {
        this.db = db;
        this.owner = owner;
    }

    /** What the database is, for log lines. */
    String description() {
        return db.description();
    }

    /** Whether it is PostgreSQL, which replicas share. */
    boolean shared() {
        return db.postgresql();
    }

    /** A generation's row as written, if it is. */
    Optional<LedgerRow> find(String id) {
        try (Connection c = db.connection();
                PreparedStatement ps = c.prepareStatement(GenerationColumns.SELECT)) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(GenerationColumns.read(rs));
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the ledger: " + e.getMessage(), e);
        }
    }

    /**
     * Stores {@code batch} in one transaction: a row is inserted, or replaces its generation's in-progress row;
     * a generation's final row is never replaced (a batch retried after an unclear failure, an in-progress row
     * that arrives after the final one). Each key's spend changes by what its rows' costs changed.
     *
     * <p>Whatever the batch's size, the rows already stored are read with one query, and each kind of write goes
     * in one JDBC batch, the keys' spend first (which locks them): a transaction's cost is mostly per statement,
     * and the journal's passes write hundreds of rows at once. A generation with several rows in the batch is
     * written once, with the row that stands.
     */
    void store(List<QueuedRow> batch) throws SQLException {
        Map<String, QueuedRow> standing = standing(batch);
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                // Only this replica writes the rows of its generations (another closes them only once long
                // stopped, closeOrphans), so what is stored of them can be read before the keys are locked.
                Map<String, BigDecimal> running = stored(c, standing);
                charge(c, spent(standing, running));
                write(c, standing, running);
                // a final row settles its generation's credit reservation; an in-progress row leaves it held
                List<String> ended = standing.values().stream().filter(i -> !i.progress()).map(i -> i.row().id())
                        .toList();
                if (!ended.isEmpty()) {
                    CreditReservations.settle(c, ended);
                }
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

    /**
     * The row that stands for each generation of {@code batch}, in the batch's order: its first final row (a final
     * row is never replaced), else its last in-progress row.
     */
    private static Map<String, QueuedRow> standing(List<QueuedRow> batch) {
        Map<String, QueuedRow> standing = new LinkedHashMap<>();
        for (QueuedRow item : batch) {
            standing.merge(item.row().id(), item, (was, next) -> was.progress() ? next : was);
        }
        return standing;
    }

    /**
     * Reads what is stored of the generations of {@code standing}: takes out of it those whose final row is stored
     * (it is never replaced, and its transaction settled their reservations), and returns the cost of each of the
     * others' in-progress row, by generation id; a generation with no row is not in it.
     */
    private static Map<String, BigDecimal> stored(Connection c, Map<String, QueuedRow> standing) throws SQLException {
        Map<String, BigDecimal> running = new HashMap<>();
        try (PreparedStatement find = c.prepareStatement(
                "SELECT id, outcome, total_cost FROM generations WHERE id = ANY (?)")) {
            Array array = c.createArrayOf("VARCHAR", standing.keySet().toArray());
            find.setArray(1, array);
            try (ResultSet rs = find.executeQuery()) {
                while (rs.next()) {
                    if (Ledger.IN_PROGRESS.equals(rs.getString(2))) {
                        running.put(rs.getString(1), rs.getBigDecimal(3));
                    } else {
                        standing.remove(rs.getString(1));
                    }
                }
            } finally {
                array.free();
            }
        }
        return running;
    }

    /**
     * How much each key's spend changes, by key id, with every key of the rows to write, a change of zero too: the
     * rows' new costs less what their generations' in-progress rows ({@code running}) cost.
     */
    private static Map<String, BigDecimal> spent(Map<String, QueuedRow> standing, Map<String, BigDecimal> running) {
        Map<String, BigDecimal> spent = new TreeMap<>();
        for (QueuedRow item : standing.values()) {
            LedgerRow r = item.row();
            spent.merge(r.keyId(), r.cost().subtract(running.getOrDefault(r.id(), BigDecimal.ZERO)), BigDecimal::add);
        }
        return spent;
    }

    /**
     * Adds each key's change to its spend, in key order. This is also what locks the keys' rows, all of the batch's
     * and before anything else, as a credit reservation locks its key first: so the two wait for each other, and
     * replicas sharing the database lock keys in one order and never deadlock.
     */
    private static void charge(Connection c, Map<String, BigDecimal> spent) throws SQLException {
        try (PreparedStatement add = c.prepareStatement(
                "UPDATE api_keys SET credit_used = credit_used + ? WHERE id = ?")) {
            for (Map.Entry<String, BigDecimal> e : spent.entrySet()) {
                add.setBigDecimal(1, e.getValue());
                add.setString(2, e.getKey());
                add.addBatch();
            }
            add.executeBatch();
        }
    }

    /** Inserts the rows of new generations and replaces the in-progress rows of the {@code running} ones. */
    private void write(Connection c, Map<String, QueuedRow> standing, Map<String, BigDecimal> running)
            throws SQLException {
        try (PreparedStatement insert = c.prepareStatement(GenerationColumns.INSERT);
                PreparedStatement update = c.prepareStatement(GenerationColumns.UPDATE)) {
            boolean inserts = false;
            boolean updates = false;
            for (QueuedRow item : standing.values()) {
                LedgerRow r = item.row();
                String rowOwner = item.progress() ? owner : null;
                if (running.containsKey(r.id())) {
                    GenerationColumns.update(update, r, rowOwner);
                    update.addBatch();
                    updates = true;
                } else {
                    GenerationColumns.insert(insert, r, rowOwner);
                    insert.addBatch();
                    inserts = true;
                }
            }
            if (inserts) {
                insert.executeBatch();
            }
            if (updates) {
                update.executeBatch();
            }
        }
    }

    /**
     * At start: closes as {@code interrupted} the rows this replica left in progress (it was killed, or crashed)
     * and those of any replica older than {@code orphanAfter}, billed with their last recorded cost (already in
     * their keys' spend). On the embedded database, which no other replica shares, each key's spend is then set to
     * the sum of its rows.
     */
    void recover(Duration orphanAfter) {
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
    void closeOrphans(Duration orphanAfter) {
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
            close.setString(1, Ledger.INTERRUPTED);
            close.setString(2, "the gateway stopped before the generation ended; billed as last recorded");
            close.setString(3, Ledger.IN_PROGRESS);
            Timestamp before = Timestamp.from(Instant.now().minus(orphanAfter));
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
}
