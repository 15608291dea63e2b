package dev.anyrouter.bench;

import java.util.Arrays;

/** Percentiles of a set of durations in nanoseconds. */
final class Stats {

    private final long[] sorted;

    Stats(long[] values) {
        this.sorted = values.clone();
        Arrays.sort(sorted);
    }

    /** The {@code p}-th percentile in milliseconds. */
    double ms(double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1));
        return sorted[index] / 1e6;
    }

    int count() {
        return sorted.length;
    }
}
