package dev.anyrouter.store;

import dev.anyrouter.config.Price;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;

/**
 * How a {@link LedgerRow} maps to the columns of the {@code generations} table: the statements that read and write
 * one row, the order of their parameters, and the lengths its text columns are cut to. {@link GenerationsTable}
 * runs them.
 */
final class GenerationColumns {

    /** A generation's row by its id. */
    static final String SELECT = "SELECT id, key_id, model, served_model, provider, streamed, cancelled, outcome, "
            + "finish_reason, tokens_prompt, tokens_completion, tokens_counted, total_cost, latency_ms, "
            + "generation_time_ms, created_at, error FROM generations WHERE id = ?";
    static final String INSERT = "INSERT INTO generations (id, key_id, model, served_model, provider, "
            + "streamed, cancelled, outcome, finish_reason, tokens_prompt, tokens_completion, tokens_counted, "
            + "total_cost, latency_ms, generation_time_ms, created_at, error, owner) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    static final String UPDATE = "UPDATE generations SET key_id = ?, model = ?, served_model = ?, "
            + "provider = ?, streamed = ?, cancelled = ?, outcome = ?, finish_reason = ?, tokens_prompt = ?, "
            + "tokens_completion = ?, tokens_counted = ?, total_cost = ?, latency_ms = ?, generation_time_ms = ?, "
            + "created_at = ?, error = ?, owner = ? WHERE id = ?";

    private GenerationColumns() {
    }

    /** The row at {@code rs}'s cursor, as {@link #SELECT} reads it. */
    static LedgerRow read(ResultSet rs) throws SQLException {
        long latency = rs.getLong(14);
        Long firstChunk = rs.wasNull() ? null : latency;
        return new LedgerRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                rs.getString(5), rs.getBoolean(6), rs.getBoolean(7), rs.getString(8), rs.getString(9),
                rs.getLong(10), rs.getLong(11), rs.getBoolean(12), Price.normal(rs.getBigDecimal(13)),
                firstChunk, rs.getLong(15), rs.getTimestamp(16).toInstant(), rs.getString(17));
    }

    /** Binds {@link #INSERT}'s parameters; {@code owner} is null but on an in-progress row. */
    static void insert(PreparedStatement ps, LedgerRow r, String owner) throws SQLException {
        ps.setString(1, r.id());
        ps.setString(2, r.keyId());
        bind(ps, 3, r);
        ps.setString(18, owner);
    }

    /** Binds {@link #UPDATE}'s parameters; {@code owner} is null but on an in-progress row. */
    static void update(PreparedStatement ps, LedgerRow r, String owner) throws SQLException {
        ps.setString(1, r.keyId());
        bind(ps, 2, r);
        ps.setString(17, owner);
        ps.setString(18, r.id());
    }

    /** The columns from {@code model} to {@code error}, from parameter {@code at} on. */
    private static void bind(PreparedStatement ps, int at, LedgerRow r) throws SQLException {
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
}
