package dev.anyrouter.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * One command that starts the simulated upstream and AnyRouter in separate JVMs, drives the same workloads
 * directly against the upstream, through AnyRouter and through a plain Jetty byte proxy, and prints what each
 * relay adds. Every stream is checked for complete, in-order data; a run that loses data fails.
 */
@Command(name = "anyrouter-bench", mixinStandardHelpOptions = true,
        description = "Benchmarks AnyRouter against its simulated upstream (see BENCHMARKS.md).")
public final class Bench implements Callable<Integer> {

    @Option(names = "--jar", description = "anyrouter.jar to run (default: ${DEFAULT-VALUE}).")
    private Path jar = Path.of("webapp/target/anyrouter.jar");

    @Option(names = "--java-home", description = "JDK for the upstream, gateway and byte-proxy JVMs "
            + "(default: this one).")
    private Path javaHome = Path.of(System.getProperty("java.home"));

    @Option(names = "--open-streams", split = ",", description = "Concurrent slow streams to hold for the memory "
            + "figures (default: ${DEFAULT-VALUE}; at most ~9,900 with a 20,000 file-descriptor limit).")
    private List<Integer> openStreams = List.of(1000, 5000);

    @Option(names = "--paced-streams", split = ",", description = "Paced streams at once in the jettyproxy waves "
            + "(default: ${DEFAULT-VALUE}).")
    private List<Integer> pacedStreams = List.of(500, 1000);

    @Option(names = "--idle-streams", description = "Open, mostly idle streams of the idle scenario "
            + "(default: ${DEFAULT-VALUE}).")
    private int idleStreams = 10_000;

    @Option(names = "--waiting-requests", description = "Requests held waiting for a slow upstream in the waiting "
            + "scenario (default: ${DEFAULT-VALUE}).")
    private int waitingRequests = 4000;

    @Option(names = "--waiting-rate", description = "Requests of the waiting scenario sent per second; 0: all at once "
            + "(default: ${DEFAULT-VALUE}).")
    private int waitingRate = 500;

    @Option(names = "--h2-streams", description = "Open, mostly idle streams of the h2 scenario "
            + "(default: ${DEFAULT-VALUE}; needs an HTTP/2 upstream to fit the file-descriptor limit).")
    private int h2Streams = 15_000;

    @Option(names = "--gateway-jvm-arg", description = "An extra JVM option for the gateways (repeatable), e.g. "
            + "-XX:StartFlightRecording=filename=gateway.jfr to profile, or -XX:AOTCache=anyrouter.aot.")
    private List<String> gatewayJvmArgs = List.of();

    @Option(names = "--gateway-env", description = "An extra environment variable for the gateways, KEY=VALUE "
            + "(repeatable), e.g. an upstream setting for the h2 scenario.")
    private Map<String, String> gatewayEnv = new LinkedHashMap<>();

    @Option(names = "--scenarios", split = ",", description = "Which to run (default: all): ${COMPLETION-CANDIDATES}.")
    private List<Scenario> scenarios = List.of(Scenario.values());

    /** The parts of a run, in the order they run. */
    enum Scenario { ttft, paced, throughput, byteproxy, jettyproxy, warmup, memory, waiting, idle, h2, cancel }

    @Option(names = "--nginx", description = "nginx binary for the nginx baseline (default: ${DEFAULT-VALUE} "
            + "when present; Debian package nginx-light).")
    private Path nginx = Path.of("/usr/sbin/nginx");

    @Option(names = "--quick", description = "Small counts: checks the benchmark works, figures mean little.")
    private boolean quick;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Bench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Lab lab = new Lab(jar, javaHome, quick, gatewayJvmArgs, gatewayEnv);
        try (Jvm upstream = lab.startUpstream();
                CancelBench cancel = new CancelBench();
                Jvm gateway = lab.startGateway("gateway");
                Jvm cancelGateway = lab.startGateway("cancel-gateway", cancel.baseUrl())) {
            LoadClient.Target direct = lab.direct();
            LoadClient.Target via = lab.through(gateway);
            System.out.printf("AnyRouter benchmark: upstream and gateway on %s, client on JDK %s, %d cores; logs in %s%n%n",
                    javaHome, Runtime.version(), Runtime.getRuntime().availableProcessors(), lab.dir);
            lab.warmUp(direct);
            lab.warmUp(via);
            directVsGateway(new DirectVsGateway(lab, direct, via));
            if (scenarios.contains(Scenario.jettyproxy)) {
                new ProxyBaseline(lab, nginx).run(direct, via, gateway, quick ? List.of(50) : pacedStreams);
                System.out.println();
            }
            // A second gateway, started for the warm-up (its first streams are measured), then reused to hold the
            // waiting requests and the idle and h2 streams: one that runs out of descriptors there disturbs nothing
            // else.
            boolean second = scenarios.contains(Scenario.warmup) || scenarios.contains(Scenario.idle)
                    || scenarios.contains(Scenario.h2) || scenarios.contains(Scenario.waiting);
            try (Jvm fresh = second ? lab.startGateway("fresh-gateway") : null) {
                if (scenarios.contains(Scenario.warmup)) {
                    new WarmUp(lab).run(fresh);
                    System.out.println();
                }
                OpenStreams open = new OpenStreams(lab.client);
                if (scenarios.contains(Scenario.memory)) {
                    memory(open, gateway, via);
                }
                if (scenarios.contains(Scenario.waiting)) {
                    // the upstream answers 50 s later: under the gateway's 60 s idle timeout
                    new WaitingRequests(lab.client, waitingRate).run(fresh, lab.through(fresh),
                            quick ? 100 : waitingRequests, Duration.ofSeconds(quick ? 5 : 50), quick);
                    System.out.println();
                }
                if (scenarios.contains(Scenario.idle) || scenarios.contains(Scenario.h2)) {
                    idle(lab, open, fresh);
                }
            }
            if (scenarios.contains(Scenario.cancel)) {
                cancel.report(cancelGateway.port, Lab.KEY, quick);
            }
        }
        return 0;
    }

    private void directVsGateway(DirectVsGateway rows) throws Exception {
        if (!scenarios.contains(Scenario.ttft) && !scenarios.contains(Scenario.paced)
                && !scenarios.contains(Scenario.throughput) && !scenarios.contains(Scenario.byteproxy)) {
            return;
        }
        DirectVsGateway.header();
        if (scenarios.contains(Scenario.ttft)) {
            rows.ttft();
        }
        if (scenarios.contains(Scenario.paced)) {
            rows.paced(100);
            if (!quick) {
                rows.paced(1000);
            }
        }
        if (scenarios.contains(Scenario.throughput)) {
            rows.throughput();
        }
        if (scenarios.contains(Scenario.byteproxy) && Files.isExecutable(nginx) && !quick) {
            rows.nginx(nginx);
        }
        System.out.println();
    }

    private void memory(OpenStreams open, Jvm gateway, LoadClient.Target via) throws Exception {
        for (int streams : quick ? List.of(100) : openStreams) {
            OpenStreams.Held held = open.hold(gateway, via, streams, 3, quick ? 2000 : 10_000, Duration.ZERO);
            if (held.problem() != null) {
                throw new IllegalStateException(streams + " open streams: " + held.problem());
            }
            OpenStreams.printMemory(held);
        }
        System.out.println();
    }

    private void idle(Lab lab, OpenStreams open, Jvm gateway) throws Exception {
        // a chunk every 10 s, 14 chunks: the first streams must still be open when the last one has opened and the
        // opening's threads have retired (OpenStreams.SETTLE later)
        int chunks = quick ? 3 : 14;
        Duration settle = quick ? Duration.ZERO : OpenStreams.SETTLE;
        long delay = quick ? 2000 : 10_000;
        if (scenarios.contains(Scenario.idle)) {
            OpenStreams.printIdle("idle", open.hold(gateway, lab.through(gateway), quick ? 100 : idleStreams, chunks,
                    delay, settle));
        }
        if (scenarios.contains(Scenario.h2)) {
            OpenStreams.printIdle("h2", open.hold(gateway, lab.through(gateway), quick ? 150 : h2Streams, chunks,
                    delay, settle));
        }
        System.out.println();
    }
}
