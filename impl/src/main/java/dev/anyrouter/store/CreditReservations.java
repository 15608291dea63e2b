package dev.anyrouter.store;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Credit set aside for the running generations of limited keys ({@code credit_reservations}); what a running
 * generation's in-progress ledger row bills is in the key's spend already, so only the rest of its reservation is
 * held. Reserving locks the key's row, so concurrent requests of one key, on any replica sharing the database, reserve one after another
 * and together never more than the key has left. The ledger deletes a generation's reservation in the transaction
 * that writes its row and adds its cost ({@link Ledger}); a reservation of a replica that died expires.
 */
public final class CreditReservations {

    private final Database db;
    private final Duration lifetime;
    private final Clock clock;

    /** @param lifetime longer than any request may run: a reservation older than that was left by a dead replica */
    public CreditReservations(Database db, Duration lifetime, Clock clock) {
        this.db = db;
        this.lifetime = lifetime;
        this.clock = clock;
    }

    /**
     * Reserves {@code wanted} of the key's remaining credit for a generation, or what remains if that is less but
     * at least {@code least}. Returns the amount reserved, or empty when less than {@code least} remains.
     */
    public Optional<BigDecimal> reserve(String generationId, String keyId, BigDecimal least, BigDecimal wanted) {
        return transaction(keyId, c -> {
            Optional<BigDecimal> remaining = remaining(c, keyId);
            if (remaining.isPresent() && (remaining.get().signum() <= 0 || remaining.get().compareTo(least) < 0)) {
                return Optional.empty();
            }
            BigDecimal amount = remaining.map(wanted::min).orElse(wanted);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO credit_reservations "
                    + "(generation_id, key_id, amount, expires_at) VALUES (?, ?, ?, ?)")) {
                insert.setString(1, generationId);
                insert.setString(2, keyId);
                insert.setBigDecimal(3, amount);
                insert.setLong(4, clock.millis() + lifetime.toMillis());
                insert.executeUpdate();
            }
            return Optional.of(amount);
        });
    }

    /**
     * Adds up to {@code more} to a running generation's reservation, or what remains of the key's credit if that is
     * less. Returns the amount added: zero when nothing remains.
     */
    public BigDecimal extend(String generationId, String keyId, BigDecimal more) {
        return transaction(keyId, c -> {
            BigDecimal amount = remaining(c, keyId).map(more::min).orElse(more).max(BigDecimal.ZERO);
            try (PreparedStatement grow = c.prepareStatement(
                    "UPDATE credit_reservations SET amount = amount + ? WHERE generation_id = ?")) {
                grow.setBigDecimal(1, amount);
                grow.setString(2, generationId);
                grow.executeUpdate();
            }
            return amount;
        });
    }

    /** Deletes the reservations of generations whose ledger rows this transaction writes. */
    static void settle(Connection c, Iterable<String> generationIds) throws SQLException {
        try (PreparedStatement delete = c.prepareStatement(
                "DELETE FROM credit_reservations WHERE generation_id = ?")) {
            for (String id : generationIds) {
                delete.setString(1, id);
                delete.addBatch();
            }
            delete.executeBatch();
        }
    }

    /**
     * Locks the key's row and returns what it has left after its spend and its live reservations (deleting expired
     * ones); empty when the key has no limit (any more).
     */
    private Optional<BigDecimal> remaining(Connection c, String keyId) throws SQLException {
        BigDecimal remaining;
        try (PreparedStatement lock = c.prepareStatement(
                "SELECT credit_limit, credit_used FROM api_keys WHERE id = ? FOR UPDATE")) {
            lock.setString(1, keyId);
            try (ResultSet rs = lock.executeQuery()) {
                if (!rs.next() || rs.getBigDecimal(1) == null) {
                    return Optional.empty();
                }
                remaining = rs.getBigDecimal(1).subtract(rs.getBigDecimal(2));
            }
        }
        try (PreparedStatement expired = c.prepareStatement(
                "DELETE FROM credit_reservations WHERE key_id = ? AND expires_at < ?")) {
            expired.setString(1, keyId);
            expired.setLong(2, clock.millis());
            expired.executeUpdate();
        }
        // A running generation's in-progress row is in credit_used already: only the rest of its reservation counts.
        try (PreparedStatement sum = c.prepareStatement("SELECT COALESCE(SUM(GREATEST(r.amount - "
                + "COALESCE(g.total_cost, 0), 0)), 0) FROM credit_reservations r LEFT JOIN generations g "
                + "ON g.id = r.generation_id WHERE r.key_id = ?")) {
            sum.setString(1, keyId);
            try (ResultSet rs = sum.executeQuery()) {
                rs.next();
                return Optional.of(remaining.subtract(rs.getBigDecimal(1)));
            }
        }
    }

    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T transaction(String keyId, Work<T> work) {
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("cannot reserve credit for key " + keyId + ": " + e.getMessage(), e);
        }
    }
}
