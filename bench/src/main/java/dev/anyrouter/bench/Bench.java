package dev.anyrouter.bench;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * One command that starts the simulated upstream and AnyRouter in separate JVMs, drives the same workloads
 * directly against the upstream and through AnyRouter, and prints what AnyRouter adds. Every stream is checked
 * for complete, in-order data; a run that loses data fails.
 */
@Command(name = "anyrouter-bench", mixinStandardHelpOptions = true,
        description = "Benchmarks AnyRouter against its simulated upstream (see BENCHMARKS.md).")
public final class Bench implements Callable<Integer> {

    private static final String KEY = "ar-bench-key";

    @Option(names = "--jar", description = "anyrouter.jar to run (default: ${DEFAULT-VALUE}).")
    private Path jar = Path.of("webapp/target/anyrouter.jar");

    @Option(names = "--java-home", description = "JDK for the upstream and gateway JVMs (default: this one).")
    private Path javaHome = Path.of(System.getProperty("java.home"));

    @Option(names = "--open-streams", split = ",", description = "Concurrent slow streams to hold for the memory "
            + "figures (default: ${DEFAULT-VALUE}; at most ~9,900 with a 20,000 file-descriptor limit).")
    private List<Integer> openStreams = List.of(1000, 5000);

    @Option(names = "--gateway-jvm-arg", description = "An extra JVM option for the gateway (repeatable), e.g. "
            + "-XX:StartFlightRecording=filename=gateway.jfr to profile it.")
    private List<String> gatewayJvmArgs = List.of();

    @Option(names = "--scenarios", split = ",", description = "Which to run (default: all): ${COMPLETION-CANDIDATES}.")
    private List<Scenario> scenarios = List.of(Scenario.values());

    /** The parts of a run. */
    enum Scenario { ttft, paced, throughput, byteproxy, memory, cancel }

    @Option(names = "--nginx", description = "nginx binary for the byte-proxy baseline (default: ${DEFAULT-VALUE} "
            + "when present; Debian package nginx-light).")
    private Path nginx = Path.of("/usr/sbin/nginx");

    @Option(names = "--quick", description = "Small counts: checks the benchmark works, figures mean little.")
    private boolean quick;

    private final LoadClient client = new LoadClient();

    public static void main(String[] args) {
        System.exit(new CommandLine(new Bench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("anyrouter-bench");
        // A copy: rebuilding the project during a run must not pull classes from under the running JVMs.
        Path copy = Files.copy(jar, dir.resolve("anyrouter.jar"));
        List<String> heap = List.of("-Xms1g", "-Xmx4g");
        try (Jvm upstream = Jvm.start("upstream", copy, javaHome, heap,
                Map.of("ANYROUTER_OFFLINE", "true", "ANYROUTER_API_KEYS", KEY,
                        // thousands of streams from one address (this machine): no per-address or overall cap
                        "ANYROUTER_MAX_CONNECTIONS_PER_ADDRESS", "0", "ANYROUTER_MAX_CONNECTIONS", "0"), dir);
                CancelBench cancel = new CancelBench();
                Jvm gateway = Jvm.start("gateway", copy, javaHome, concat(heap, gatewayJvmArgs), Map.of("ANYROUTER_API_KEYS", KEY,
                        "OPENAI_BASE_URL", "http://127.0.0.1:" + upstream.port + "/simulator/v1",
                        "OPENAI_API_KEY", KEY, "ANYROUTER_RELAY_THREADS", "25000",
                        "ANYROUTER_MAX_CONNECTIONS_PER_ADDRESS", "0", "ANYROUTER_MAX_CONNECTIONS", "0"), dir);
                Jvm cancelGateway = Jvm.start("cancel-gateway", copy, javaHome, heap, Map.of("ANYROUTER_API_KEYS", KEY,
                        "OPENAI_BASE_URL", cancel.baseUrl(), "OPENAI_API_KEY", "sk-bench"), dir)) {
            LoadClient.Target direct = new LoadClient.Target("direct",
                    URI.create("http://127.0.0.1:" + upstream.port + "/simulator/v1/chat/completions"), "bench", KEY);
            LoadClient.Target via = new LoadClient.Target("anyrouter",
                    URI.create("http://127.0.0.1:" + gateway.port + "/api/v1/chat/completions"), "openai/bench", KEY);
            System.out.printf("AnyRouter benchmark: upstream and gateway on %s, client on JDK %s, %d cores; logs in %s%n%n",
                    javaHome, Runtime.version(), Runtime.getRuntime().availableProcessors(), dir);
            warmUp(direct, via);
            System.out.printf("%-44s %20s %20s %20s%n", "", "direct p50 / p99", "anyrouter p50 / p99",
                    "added p50 / p99");
            if (scenarios.contains(Scenario.ttft)) {
                ttft(direct, via);
            }
            if (scenarios.contains(Scenario.paced)) {
                paced(direct, via, 100);
                if (!quick) {
                    paced(direct, via, 1000);
                }
            }
            if (scenarios.contains(Scenario.throughput)) {
                throughput(direct, via);
            }
            if (scenarios.contains(Scenario.byteproxy) && Files.isExecutable(nginx) && !quick) {
                byteProxy(via, upstream, dir);
            }
            System.out.println();
            if (scenarios.contains(Scenario.memory)) {
                for (int streams : quick ? List.of(100) : openStreams) {
                    memory(gateway, via, streams);
                }
                System.out.println();
            }
            if (scenarios.contains(Scenario.cancel)) {
                cancellation(cancel, cancelGateway);
            }
        }
        return 0;
    }

    private void warmUp(LoadClient.Target direct, LoadClient.Target via) throws InterruptedException {
        int streams = quick ? 200 : 3000;
        client.run(direct, streams, 16, 20, 0);
        client.run(via, streams, 16, 20, 0);
    }

    private void ttft(LoadClient.Target direct, LoadClient.Target via) throws InterruptedException {
        int streams = quick ? 100 : 1000;
        Stats d = new Stats(ttfts(client.run(direct, streams, 1, 4, 0)));
        Stats v = new Stats(ttfts(client.run(via, streams, 1, 4, 0)));
        row("time to first token, 1 stream at a time (ms)", d, v);
    }

    private void paced(LoadClient.Target direct, LoadClient.Target via, int concurrency) throws InterruptedException {
        int chunks = 64;
        List<Trace> d = client.run(direct, concurrency, concurrency, chunks, 20);
        List<Trace> v = client.run(via, concurrency, concurrency, chunks, 20);
        row("time to first token, " + concurrency + " streams at once (ms)", new Stats(ttfts(d)), new Stats(ttfts(v)));
        row("gap between chunks, " + concurrency + " streams, 64 x 20 ms (ms)", new Stats(gaps(d)), new Stats(gaps(v)));
    }

    private void throughput(LoadClient.Target direct, LoadClient.Target via) throws InterruptedException {
        int streams = quick ? 16 : 64;
        int chunks = quick ? 500 : 5000;
        double d = chunksPerSecond(direct, streams, chunks);
        double v = chunksPerSecond(via, streams, chunks);
        System.out.printf(Locale.ROOT, "%-44s %20.0f %20.0f %19.0f%%%n", "relayed chunks/s, 32 unpaced streams", d, v,
                100 * v / d);
    }

    /** The same workloads through nginx, the plain byte proxy AnyRouter's relay is measured against. */
    private void byteProxy(LoadClient.Target via, Jvm upstream, Path dir) throws Exception {
        try (Nginx proxy = Nginx.start(nginx, upstream.port, dir)) {
            LoadClient.Target bytes = new LoadClient.Target("nginx",
                    URI.create("http://127.0.0.1:" + proxy.port + "/simulator/v1/chat/completions"), "bench", KEY);
            client.run(bytes, 3000, 16, 20, 0);
            Stats n = new Stats(ttfts(client.run(bytes, 1000, 1, 4, 0)));
            Stats a = new Stats(ttfts(client.run(via, 1000, 1, 4, 0)));
            System.out.printf("%-44s %20s %20s %20s%n", "", "nginx p50 / p99", "anyrouter p50 / p99",
                    "anyrouter - nginx");
            row("time to first token, 1 stream at a time (ms)", n, a);
            double viaNginx = chunksPerSecond(bytes, 64, 5000);
            double viaAnyRouter = chunksPerSecond(via, 64, 5000);
            System.out.printf(Locale.ROOT, "%-44s %20.0f %20.0f %19.0f%%%n",
                    "relayed chunks/s, 32 unpaced streams", viaNginx, viaAnyRouter, 100 * viaAnyRouter / viaNginx);
        }
    }

    private double chunksPerSecond(LoadClient.Target target, int streams, int chunks) throws InterruptedException {
        long start = System.nanoTime();
        client.run(target, streams, 32, chunks, 0);
        return (double) streams * chunks / ((System.nanoTime() - start) / 1e9);
    }

    private void memory(Jvm gateway, LoadClient.Target via, int streams) throws Exception {
        long heapBefore = gateway.heapAfterGc();
        long rssBefore = gateway.rss();
        List<Trace> open = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            open.add(client.stream(via, 3, quick ? 2000 : 10_000));
        }
        // Measured once every stream has its first chunk: all are open, none is still being set up.
        CompletableFuture.allOf(open.stream().map(t -> t.firstChunk).toArray(CompletableFuture[]::new)).join();
        long heap = gateway.heapAfterGc() - heapBefore;
        long rss = gateway.rss() - rssBefore;
        long threads = gateway.threads();
        for (Trace stream : open) {
            String problem = stream.done.join().problem();
            if (problem != null) {
                throw new IllegalStateException("an open stream lost data: " + problem);
            }
        }
        System.out.printf(Locale.ROOT, "%,6d open streams: gateway heap +%,d KB (%,.1f KB per stream), RSS +%,d KB "
                + "(%,.1f KB per stream), %d threads%n", streams, heap / 1024, heap / 1024.0 / streams, rss / 1024,
                rss / 1024.0 / streams, threads);
    }

    private void cancellation(CancelBench cancel, Jvm gateway) throws Exception {
        int streams = quick ? 20 : 200;
        cancel.measure(gateway.port, KEY, 20, false);
        Stats streaming = new Stats(cancel.measure(gateway.port, KEY, streams, false));
        Stats silent = new Stats(cancel.measure(gateway.port, KEY, quick ? 5 : 30, true));
        System.out.printf(Locale.ROOT, "client hang-up -> upstream closed, tokens flowing (ms):  p50 %.2f  p99 %.2f%n",
                streaming.ms(50), streaming.ms(99));
        System.out.printf(Locale.ROOT, "client hang-up -> upstream closed, upstream silent (ms): p50 %.2f  p99 %.2f%n",
                silent.ms(50), silent.ms(99));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static void row(String label, Stats direct, Stats via) {
        System.out.printf(Locale.ROOT, "%-44s %9.2f / %8.2f %9.2f / %8.2f %9.2f / %8.2f%n", label,
                direct.ms(50), direct.ms(99), via.ms(50), via.ms(99), via.ms(50) - direct.ms(50),
                via.ms(99) - direct.ms(99));
    }

    private static long[] ttfts(List<Trace> traces) {
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
