package dev.anyrouter.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The same workloads directly against the simulator and through AnyRouter, and what AnyRouter adds: time to first
 * token one at a time and in paced waves, gaps between chunks, unpaced throughput; and the same against nginx
 * when it is installed.
 */
final class DirectVsGateway {

    private final Lab lab;
    private final LoadClient client;
    private final LoadClient.Target direct;
    private final LoadClient.Target via;

    DirectVsGateway(Lab lab, LoadClient.Target direct, LoadClient.Target via) {
        this.lab = lab;
        this.client = lab.client;
        this.direct = direct;
        this.via = via;
    }

    static void header() {
        System.out.printf("%-44s %20s %20s %20s%n", "", "direct p50 / p99", "anyrouter p50 / p99", "added p50 / p99");
    }

    void ttft() throws InterruptedException {
        int streams = lab.quick ? 100 : 1000;
        Stats d = new Stats(ttfts(client.run(direct, streams, 1, 4, 0)));
        Stats v = new Stats(ttfts(client.run(via, streams, 1, 4, 0)));
        row("time to first token, 1 stream at a time (ms)", d, v);
    }

    void paced(int concurrency) throws InterruptedException {
        int chunks = 64;
        List<Trace> d = client.run(direct, concurrency, concurrency, chunks, 20);
        List<Trace> v = client.run(via, concurrency, concurrency, chunks, 20);
        row("time to first token, " + concurrency + " streams at once (ms)", new Stats(ttfts(d)), new Stats(ttfts(v)));
        row("gap between chunks, " + concurrency + " streams, 64 x 20 ms (ms)", new Stats(gaps(d)), new Stats(gaps(v)));
    }

    void throughput() throws InterruptedException {
        int streams = lab.quick ? 16 : 64;
        int chunks = lab.quick ? 500 : 5000;
        double d = chunksPerSecond(client, direct, streams, chunks);
        double v = chunksPerSecond(client, via, streams, chunks);
        System.out.printf(Locale.ROOT, "%-44s %20.0f %20.0f %19.0f%%%n", "relayed chunks/s, 32 unpaced streams", d, v,
                100 * v / d);
    }

    /** The same workloads through nginx, the plain byte proxy AnyRouter's relay is measured against. */
    void nginx(Path binary) throws Exception {
        try (Nginx proxy = Nginx.start(binary, lab.upstreamPort(), lab.dir)) {
            LoadClient.Target bytes = lab.relayed("nginx", proxy.port);
            lab.warmUp(bytes);
            Stats n = new Stats(ttfts(client.run(bytes, 1000, 1, 4, 0)));
            Stats a = new Stats(ttfts(client.run(via, 1000, 1, 4, 0)));
            System.out.printf("%-44s %20s %20s %20s%n", "", "nginx p50 / p99", "anyrouter p50 / p99",
                    "anyrouter - nginx");
            row("time to first token, 1 stream at a time (ms)", n, a);
            double viaNginx = chunksPerSecond(client, bytes, 64, 5000);
            double viaAnyRouter = chunksPerSecond(client, via, 64, 5000);
            System.out.printf(Locale.ROOT, "%-44s %20.0f %20.0f %19.0f%%%n",
                    "relayed chunks/s, 32 unpaced streams", viaNginx, viaAnyRouter, 100 * viaAnyRouter / viaNginx);
        }
    }

    /** Relayed chunks per second with {@code streams} unpaced streams of {@code chunks}, 32 at a time. */
    static double chunksPerSecond(LoadClient client, LoadClient.Target target, int streams, int chunks)
            throws InterruptedException {
        long start = System.nanoTime();
        client.run(target, streams, 32, chunks, 0);
        return (double) streams * chunks / ((System.nanoTime() - start) / 1e9);
    }

    private static void row(String label, Stats direct, Stats via) {
        System.out.printf(Locale.ROOT, "%-44s %9.2f / %8.2f %9.2f / %8.2f %9.2f / %8.2f%n", label,
                direct.ms(50), direct.ms(99), via.ms(50), via.ms(99), via.ms(50) - direct.ms(50),
                via.ms(99) - direct.ms(99));
    }

    static long[] ttfts(List<Trace> traces) {
        return traces.stream().mapToLong(Trace::ttftNanos).toArray();
    }

    private static long[] gaps(List<Trace> traces) {
        return traces.stream().flatMapToLong(t -> {
            long[] gaps = new long[t.chunks.length - 1];
            for (int i = 1; i < t.chunks.length; i++) {
                gaps[i - 1] = t.chunks[i] - t.chunks[i - 1];
            }
            return java.util.Arrays.stream(gaps);
        }).toArray();
    }
}
