package dev.anyrouter.limits;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import io.github.bucket4j.postgresql.PostgreSQLSelectForUpdateBasedProxyManager;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Buckets in PostgreSQL's {@code rate_limit_buckets} table (migration V2), through Bucket4j's proxy manager: each
 * operation is one transaction that locks the bucket's row ({@code SELECT … FOR UPDATE}), so every replica on the
 * database draws from the same buckets. Bucket time is each replica's clock: keep them in sync (NTP).
 *
 * <p>A bucket's id names its limit and window, so a changed limit starts a new, full bucket. Rows expire a minute
 * after their bucket would be full again and are deleted by {@link #removeExpired()}.
 *
 * <p>Nothing to close: the proxy manager starts no threads and borrows a pooled connection per operation, so it
 * ends with the engine's {@code Database}, which the engine closes after its relay and writer threads.
 */
final class SharedBuckets extends Buckets {

    private static final int REMOVE_BATCH = 1000;

    private final PostgreSQLSelectForUpdateBasedProxyManager<String> proxies;

    SharedBuckets(DataSource dataSource) {
        proxies = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(dataSource)
                .primaryKeyMapper(PrimaryKeyMapper.STRING)
                .table("rate_limit_buckets")
                .idColumn("id")
                .stateColumn("state")
                .expiresAtColumn("expires_at")
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                        Duration.ofMinutes(1)))
                .requestTimeout(Duration.ofSeconds(5))
                .build();
    }

    @Override
    Bucket get(String kind, String keyId, long limit, Duration window) {
        return proxies.builder().build(kind + ":" + keyId + ":" + limit + "/" + window.toMillis() + "ms",
                () -> configuration(limit, window));
    }

    @Override
    boolean shared() {
        return true;
    }

    @Override
    void removeExpired() {
        while (proxies.removeExpired(REMOVE_BATCH) == REMOVE_BATCH) {
            // more to delete
        }
    }
}
