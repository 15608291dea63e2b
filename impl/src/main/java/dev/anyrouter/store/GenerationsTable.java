package dev.anyrouter.store;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

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
     */
    void store(List<QueuedRow> batch) throws SQLException {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                // by key id: replicas sharing the database lock the keys' rows in one order, so never deadlock;
                // first, as a credit reservation does, so that the two wait for each other instead
                Map<String, BigDecimal> spent = new TreeMap<>();
                lockKeys(c, batch);
                try (PreparedStatement find = c.prepareStatement(
                        "SELECT outcome, total_cost FROM generations WHERE id = ?");
                        PreparedStatement insert = c.prepareStatement(GenerationColumns.INSERT);
                        PreparedStatement update = c.prepareStatement(GenerationColumns.UPDATE)) {
                    for (QueuedRow item : batch) {
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
    private BigDecimal store(QueuedRow item, PreparedStatement find, PreparedStatement insert,
            PreparedStatement update) throws SQLException {
        LedgerRow r = item.row();
        String rowOwner = item.progress() ? owner : null;
        find.setString(1, r.id());
        try (ResultSet rs = find.executeQuery()) {
            if (!rs.next()) {
                GenerationColumns.insert(insert, r, rowOwner);
                insert.executeUpdate();
                return r.cost();
            }
            if (!Ledger.IN_PROGRESS.equals(rs.getString(1))) {
                return BigDecimal.ZERO; // the final row is there already
            }
            BigDecimal before = rs.getBigDecimal(2);
            GenerationColumns.update(update, r, rowOwner);
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

    private static void lockKeys(Connection c, List<QueuedRow> batch) throws SQLException {
        try (PreparedStatement lock = c.prepareStatement("SELECT id FROM api_keys WHERE id = ? FOR UPDATE")) {
            for (String key : batch.stream().map(i -> i.row().keyId()).collect(Collectors.toCollection(TreeSet::new))) {
                lock.setString(1, key);
                lock.executeQuery().close();
            }
        }
    }
}
