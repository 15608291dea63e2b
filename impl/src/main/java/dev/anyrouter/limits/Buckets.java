package dev.anyrouter.limits;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import java.time.Duration;

/**
 * Token buckets, one per limit of a key: {@code limit} tokens that refill smoothly ("greedily"), {@code limit} per
 * window. Kept in this process ({@link LocalBuckets}), or in the database for every replica on it to share
 * ({@link SharedBuckets}).
 */
abstract class Buckets {

    /** The bucket of {@code keyId}'s {@code kind} of limit ({@code rpm}, {@code tpm}), as the limit is now. */
    abstract Bucket get(String kind, String keyId, long limit, Duration window);

    /** Whether a bucket operation is a database round trip (one that may block and fail). */
    abstract boolean shared();

    /** Deletes the stored buckets that have refilled (a bucket not stored is a full one); none locally. */
    void removeExpired() {
    }

    static Bandwidth bandwidth(long limit, Duration window) {
        return Bandwidth.builder().capacity(limit).refillGreedy(limit, window).build();
    }

    static BucketConfiguration configuration(long limit, Duration window) {
        return BucketConfiguration.builder().addLimit(bandwidth(limit, window)).build();
    }
}
