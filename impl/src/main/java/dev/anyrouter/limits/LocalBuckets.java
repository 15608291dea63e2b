package dev.anyrouter.limits;

import io.github.bucket4j.Bucket;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Buckets in this process's memory, for the embedded database (one gateway per data folder). A key whose limit
 * changes gets a new, full bucket in place of the old one, so there are at most two buckets per key.
 */
final class LocalBuckets extends Buckets {

    private record Entry(long limit, Duration window, Bucket bucket) {
    }

    private final ConcurrentMap<String, Entry> buckets = new ConcurrentHashMap<>();

    @Override
    Bucket get(String kind, String keyId, long limit, Duration window) {
        return buckets.compute(kind + ":" + keyId, (name, entry) -> entry != null && entry.limit() == limit
                && entry.window().equals(window) ? entry
                : new Entry(limit, window, Bucket.builder().addLimit(bandwidth(limit, window)).build())).bucket();
    }

    @Override
    boolean shared() {
        return false;
    }
}
