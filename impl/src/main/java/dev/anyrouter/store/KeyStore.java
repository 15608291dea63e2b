package dev.anyrouter.store;

import dev.anyrouter.config.Price;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

/** The client keys in the database: create, list, change, and the bootstrap keys of {@code ANYROUTER_API_KEYS}. */
public final class KeyStore {

    static final String ADMIN = "admin";
    static final String ENV = "env";
    private static final String COLUMNS = "id, key_hash, label, credit_limit, credit_used, disabled, source, created_at, "
            + "rpm, tpm";
    /** Limits are below this: {@code credit_limit} is {@code NUMERIC(30, 12)}. */
    private static final BigDecimal LIMIT_BOUND = BigDecimal.TEN.pow(18);

    private final Database db;

    public KeyStore(Database db) {
        this.db = db;
    }

    /** A new key and its record; the key itself is shown once and never stored. */
    public record NewKey(String key, ClientKey record) {
    }

    /**
     * A credit limit as the admin API or the CLI takes it: USD, at least 0 and below 10^18, with at most 12
     * decimal places; {@code where} names the field or option in the error.
     */
    public static BigDecimal limit(String text, String where) {
        BigDecimal value;
        try {
            value = new BigDecimal(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": '" + text + "' (expected: an amount of USD, such as 10)");
        }
        if (value.signum() < 0 || value.compareTo(LIMIT_BOUND) >= 0
                || value.stripTrailingZeros().scale() > Price.MAX_SCALE) {
            throw new IllegalArgumentException(where + ": '" + text + "' (expected: USD, at least 0 and below "
                    + LIMIT_BOUND.toPlainString() + ", with at most " + Price.MAX_SCALE + " decimal places)");
        }
        return Price.normal(value);
    }

    /**
     * A rate limit as the admin API or the CLI takes it: a whole number from 0 (unlimited) to {@code max};
     * {@code where} names the field or option in the error.
     */
    public static long rate(String text, String where, long max) {
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            value = -1;
        }
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(where + ": '" + text + "' (expected: a whole number from 0 to " + max
                    + "; 0 is unlimited)");
        }
        return value;
    }

    public NewKey create(String label, Optional<BigDecimal> limit) {
        return create(label, limit, OptionalLong.empty(), OptionalLong.empty());
    }

    /** A key with its own rate limits ({@code rpm}, {@code tpm}: empty for the gateway's defaults). */
    public NewKey create(String label, Optional<BigDecimal> limit, OptionalLong rpm, OptionalLong tpm) {
        String key = KeyHash.generate();
        ClientKey record = insert(key, label, limit, rpm, tpm, ADMIN);
        return new NewKey(key, record);
    }

    /**
     * Makes the keys of {@code ANYROUTER_API_KEYS} usable: each one not stored yet is added (no limit), and an
     * earlier bootstrap key that is no longer listed is disabled. A listed key disabled by an admin stays so.
     */
    public void bootstrap(Collection<String> keys) {
        Set<String> hashes = keys.stream().map(KeyHash::sha256Hex).collect(Collectors.toSet());
        Set<String> stored = list().stream().map(ClientKey::keyHash).collect(Collectors.toSet());
        int n = 0;
        for (String key : keys) {
            n++;
            if (!stored.contains(KeyHash.sha256Hex(key))) {
                try {
                    insert(key, "ANYROUTER_API_KEYS #" + n, Optional.empty(), OptionalLong.empty(),
                            OptionalLong.empty(), ENV);
                } catch (StoreException e) {
                    // another replica added it at the same moment
                    if (find(KeyHash.id(KeyHash.sha256Hex(key))).isEmpty()) {
                        throw e;
                    }
                }
            }
        }
        for (ClientKey key : list()) {
            if (ENV.equals(key.source()) && !key.disabled() && !hashes.contains(key.keyHash())) {
                setDisabled(key.id(), true);
            }
        }
    }

    public List<ClientKey> list() {
        return query("SELECT " + COLUMNS + " FROM api_keys ORDER BY created_at, id", ps -> { });
    }

    public Optional<ClientKey> find(String id) {
        return query("SELECT " + COLUMNS + " FROM api_keys WHERE id = ?", ps -> ps.setString(1, id)).stream()
                .findFirst();
    }

    /** What the key has spent according to the ledger rows written so far. */
    public BigDecimal used(String id) {
        return find(id).map(ClientKey::used).orElse(BigDecimal.ZERO);
    }

    public Optional<ClientKey> setDisabled(String id, boolean disabled) {
        return update("UPDATE api_keys SET disabled = ? WHERE id = ?", id, ps -> ps.setBoolean(1, disabled));
    }

    public Optional<ClientKey> setLimit(String id, Optional<BigDecimal> limit) {
        return update("UPDATE api_keys SET credit_limit = ? WHERE id = ?", id,
                ps -> ps.setBigDecimal(1, limit.orElse(null)));
    }

    /** The key's own requests-per-minute limit, or empty for the gateway's default. */
    public Optional<ClientKey> setRpm(String id, OptionalLong rpm) {
        return update("UPDATE api_keys SET rpm = ? WHERE id = ?", id, ps -> setLong(ps, 1, rpm));
    }

    /** The key's own tokens-per-minute limit, or empty for the gateway's default. */
    public Optional<ClientKey> setTpm(String id, OptionalLong tpm) {
        return update("UPDATE api_keys SET tpm = ? WHERE id = ?", id, ps -> setLong(ps, 1, tpm));
    }

    public Optional<ClientKey> setLabel(String id, String label) {
        return update("UPDATE api_keys SET label = ? WHERE id = ?", id, ps -> ps.setString(1, label));
    }

    private ClientKey insert(String key, String label, Optional<BigDecimal> limit, OptionalLong rpm, OptionalLong tpm,
            String source) {
        String hash = KeyHash.sha256Hex(key);
        Instant now = Instant.now();
        try (Connection c = db.connection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO api_keys (" + COLUMNS
                        + ") VALUES (?, ?, ?, ?, 0, FALSE, ?, ?, ?, ?)")) {
            ps.setString(1, KeyHash.id(hash));
            ps.setString(2, hash);
            ps.setString(3, label);
            ps.setBigDecimal(4, limit.orElse(null));
            ps.setString(5, source);
            ps.setTimestamp(6, Timestamp.from(now));
            setLong(ps, 7, rpm);
            setLong(ps, 8, tpm);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot store a new key: " + e.getMessage(), e);
        }
        return find(KeyHash.id(hash)).orElseThrow();
    }

    private static void setLong(PreparedStatement ps, int index, OptionalLong value) throws SQLException {
        if (value.isPresent()) {
            ps.setLong(index, value.getAsLong());
        } else {
            ps.setNull(index, Types.BIGINT);
        }
    }

    private static OptionalLong getLong(ResultSet rs, int index) throws SQLException {
        long value = rs.getLong(index);
        return rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(value);
    }

    private interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    private Optional<ClientKey> update(String sql, String id, Binder binder) {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            ps.setString(2, id);
            if (ps.executeUpdate() == 0) {
                return Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot change key " + id + ": " + e.getMessage(), e);
        }
        return find(id);
    }

    private List<ClientKey> query(String sql, Binder binder) {
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            List<ClientKey> keys = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(new ClientKey(rs.getString(1), rs.getString(2), rs.getString(3),
                            Optional.ofNullable(rs.getBigDecimal(4)).map(Price::normal), getLong(rs, 9),
                            getLong(rs, 10), Price.normal(rs.getBigDecimal(5)), rs.getBoolean(6), rs.getString(7),
                            rs.getTimestamp(8).toInstant()));
                }
            }
            return keys;
        } catch (SQLException e) {
            throw new StoreException("cannot read the keys: " + e.getMessage(), e);
        }
    }
}
