package dev.anyrouter.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * AnyRouter against the Jetty byte proxy ({@link ByteProxy}), in one run: the same workloads direct, through the
 * proxy and through AnyRouter, then one line per target of issue 15 with the proxy's figure, AnyRouter's, their
 * ratio and the target ratio. "Added" is a relay's figure minus the direct one at the same percentile; CPU is the
 * relay process's user and system time over the workload, divided by the events it relayed.
 */
final class ProxyBaseline {

    /**
     * Streams one at a time run before that workload is measured. On this machine's two cores the gateway's JIT was
     * still compiling through the first thousands of them, even after the general warm-up of 3,000 concurrent
     * streams (under that load it had left many per-request methods at C1's profiling tier), and used about as much
     * CPU as the gateway's own threads; after 8,000 it used about a third of that (BENCHMARKS.md, "Issue 15, fifth
     * stop").
     */
    private static final int ONE_AT_A_TIME_SETTLE = 8000;

    private final Lab lab;
    private final LoadClient client;
    private final Path nginx;

    /** @param nginx nginx binary for the throughput line's nginx figure, used when it exists (and not quick) */
    ProxyBaseline(Lab lab, Path nginx) {
        this.lab = lab;
        this.client = lab.client;
        this.nginx = nginx;
    }

    /** One workload's figures on one path. */
    private record Wave(Stats ttft, Stats worstGap, double cpuMicrosPerEvent) {
    }

    /** @param pacedWaves how many paced streams at once, one wave each */
    void run(LoadClient.Target direct, LoadClient.Target via, Jvm gateway, List<Integer> pacedWaves)
            throws Exception {
        try (Jvm proxyJvm = lab.startByteProxy()) {
            LoadClient.Target proxy = lab.relayed("byteproxy", proxyJvm.port);
            lab.warmUp(proxy);
            System.out.printf("%-58s %12s %12s %9s %9s%n", "AnyRouter against the Jetty byte proxy (issue 15)",
                    "byte proxy", "anyrouter", "ratio", "target");
            int streams = lab.quick ? 50 : 1000;
            int settle = lab.quick ? 50 : ONE_AT_A_TIME_SETTLE;
            Wave d = wave(direct, null, settle, streams, 1, 4, 0);
            Wave p = wave(proxy, proxyJvm, settle, streams, 1, 4, 0);
            Wave a = wave(via, gateway, settle, streams, 1, 4, 0);
            line("added time to first token, 1 stream at a time, p50 (ms)", p.ttft.ms(50) - d.ttft.ms(50),
                    a.ttft.ms(50) - d.ttft.ms(50), 1.3, false);
            line("relay CPU per relayed event, 1 stream at a time (us)", p.cpuMicrosPerEvent, a.cpuMicrosPerEvent,
                    1.25, false);
            for (int paced : pacedWaves) {
                d = wave(direct, null, paced, paced, paced, 64, 20);
                p = wave(proxy, proxyJvm, paced, paced, paced, 64, 20);
                a = wave(via, gateway, paced, paced, paced, 64, 20);
                String streamsAtOnce = String.format(Locale.ROOT, "%,d paced streams", paced);
                line("added worst inter-chunk gap, " + streamsAtOnce + ", p99 (ms)",
                        p.worstGap.ms(99) - d.worstGap.ms(99), a.worstGap.ms(99) - d.worstGap.ms(99), 2, false);
                line("added time to first token, " + streamsAtOnce + ", p99 (ms)", p.ttft.ms(99) - d.ttft.ms(99),
                        a.ttft.ms(99) - d.ttft.ms(99), 1.3, false);
                line("relay CPU per relayed event, " + streamsAtOnce + " (us)", p.cpuMicrosPerEvent,
                        a.cpuMicrosPerEvent, 1.25, false);
            }
            throughput(proxy, via);
        }
    }

    private void throughput(LoadClient.Target proxy, LoadClient.Target via) throws Exception {
        int streams = lab.quick ? 16 : 64;
        int chunks = lab.quick ? 500 : 5000;
        double p = DirectVsGateway.chunksPerSecond(client, proxy, streams, chunks);
        double a = DirectVsGateway.chunksPerSecond(client, via, streams, chunks);
        line("relayed chunks/s at saturation, 32 unpaced streams", p, a, 0.8, true);
        if (Files.isExecutable(nginx) && !lab.quick) {
            try (Nginx server = Nginx.start(nginx, lab.upstreamPort(), lab.dir)) {
                LoadClient.Target bytes = lab.relayed("nginx", server.port);
                lab.warmUp(bytes);
                double n = DirectVsGateway.chunksPerSecond(client, bytes, streams, chunks);
                System.out.printf(Locale.ROOT, "%-58s %12.0f %12s %8.2fx%n",
                        "  the same through nginx (anyrouter's ratio to it)", n, "", a / n);
            }
        }
    }

    /**
     * Runs {@code streams} streams of {@code chunks}, {@code concurrency} at a time, through one path, and reads
     * the relay's CPU time around them ({@code relay} null: direct, no relay). Before, {@code settle} streams of the
     * same workload run unmeasured: the targets are about steady state (the warmup scenario measures a cold start),
     * and the general warm-up does not reach it for every workload's shape (see {@link #ONE_AT_A_TIME_SETTLE}).
     */
    private Wave wave(LoadClient.Target target, Jvm relay, int settle, int streams, int concurrency, int chunks,
            long delayMillis) throws Exception {
        client.run(target, settle, concurrency, chunks, delayMillis);
        Thread.sleep(250); // what the relay does right after those streams is theirs, not the measured ones'
        long cpuBefore = relay == null ? 0 : relay.cpuNanos();
        List<Trace> traces = client.run(target, streams, concurrency, chunks, delayMillis);
        double cpuMicrosPerEvent = Double.NaN;
        if (relay != null) {
            Thread.sleep(250); // what the relay does right after a stream (its usage ledger, say) counts too
            long events = traces.stream().mapToLong(Trace::events).sum();
            cpuMicrosPerEvent = (relay.cpuNanos() - cpuBefore) / 1e3 / events;
        }
        return new Wave(new Stats(DirectVsGateway.ttfts(traces)),
                new Stats(traces.stream().mapToLong(Trace::worstGapNanos).toArray()), cpuMicrosPerEvent);
    }

    /**
     * One target's line. {@code atLeast}: AnyRouter's figure must be at least {@code target} times the proxy's
     * (throughput), else at most (times, CPU). A ratio to a proxy figure of zero or less means nothing: "n/a".
     */
    private static void line(String label, double proxy, double anyRouter, double target, boolean atLeast) {
        double ratio = anyRouter / proxy;
        String verdict = proxy <= 0 ? "n/a" : (atLeast ? ratio >= target : ratio <= target) ? "met" : "missed";
        System.out.printf(Locale.ROOT, "%-58s %12.2f %12.2f %8s %9s %s%n", label, proxy, anyRouter,
                proxy <= 0 ? "n/a" : String.format(Locale.ROOT, "%.2fx", ratio),
                (atLeast ? ">= " : "<= ") + target + "x", verdict);
    }
}
