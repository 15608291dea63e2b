package dev.anyrouter.bench;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the scenarios share: the copied jars, the JDK and log directory of the child JVMs, the simulated upstream
 * they all relay to, the load client, and how to start a gateway or the byte proxy in front of that upstream.
 */
final class Lab {

    static final String KEY = "ar-bench-key";
    private static final List<String> HEAP = List.of("-Xms1g", "-Xmx4g");

    final Path dir;
    final Path javaHome;
    final boolean quick;
    final LoadClient client = new LoadClient();
    private final Path jar;
    private final String benchClassPath;
    private final List<String> gatewayJvmArgs;
    private final Map<String, String> gatewayEnv;
    private int upstreamPort;

    /**
     * @param jar            {@code anyrouter.jar}; a copy is run, so that rebuilding the project during a run cannot
     *                       pull classes from under the running JVMs
     * @param gatewayJvmArgs extra JVM options for every gateway in front of the simulator
     * @param gatewayEnv     extra environment for every gateway in front of the simulator (wins over the bench's)
     */
    Lab(Path jar, Path javaHome, boolean quick, List<String> gatewayJvmArgs, Map<String, String> gatewayEnv)
            throws IOException {
        this.dir = Files.createTempDirectory("anyrouter-bench");
        this.jar = Files.copy(jar, dir.resolve("anyrouter.jar"));
        this.benchClassPath = benchClassPath(dir);
        this.javaHome = javaHome;
        this.quick = quick;
        this.gatewayJvmArgs = gatewayJvmArgs;
        this.gatewayEnv = gatewayEnv;
    }

    /** The simulated upstream: {@code anyrouter.jar} offline, serving {@code /simulator/v1}. */
    Jvm startUpstream() throws IOException, InterruptedException {
        Jvm upstream = Jvm.start("upstream", jar, javaHome, HEAP, Map.of("ANYROUTER_OFFLINE", "true",
                "ANYROUTER_API_KEYS", KEY,
                // thousands of streams from one address (this machine): no per-address or overall cap
                "ANYROUTER_MAX_CONNECTIONS_PER_ADDRESS", "0", "ANYROUTER_MAX_CONNECTIONS", "0"), dir);
        upstreamPort = upstream.port;
        return upstream;
    }

    /** A gateway (the system under test) in front of the simulated upstream, with the extra options of the run. */
    Jvm startGateway(String name) throws IOException, InterruptedException {
        Map<String, String> env = new HashMap<>(Map.of("ANYROUTER_API_KEYS", KEY,
                "OPENAI_BASE_URL", "http://127.0.0.1:" + upstreamPort + "/simulator/v1",
                "OPENAI_API_KEY", KEY, "ANYROUTER_RELAY_THREADS", "25000",
                "ANYROUTER_MAX_CONNECTIONS_PER_ADDRESS", "0", "ANYROUTER_MAX_CONNECTIONS", "0"));
        env.putAll(gatewayEnv);
        List<String> jvmArgs = new ArrayList<>(HEAP);
        jvmArgs.addAll(gatewayJvmArgs);
        return Jvm.start(name, jar, javaHome, jvmArgs, env, dir);
    }

    /** A gateway in front of another upstream (the cancellation bench's), with nothing but the heap options. */
    Jvm startGateway(String name, String openAiBaseUrl) throws IOException, InterruptedException {
        return Jvm.start(name, jar, javaHome, HEAP, Map.of("ANYROUTER_API_KEYS", KEY,
                "OPENAI_BASE_URL", openAiBaseUrl, "OPENAI_API_KEY", "sk-bench"), dir);
    }

    /** The Jetty byte proxy ({@link ByteProxy}) in front of the simulated upstream, on the gateway's JDK. */
    Jvm startByteProxy() throws IOException, InterruptedException {
        return Jvm.start("byteproxy", javaHome, HEAP, List.of("-cp", benchClassPath,
                ByteProxy.class.getName(), "--upstream", "http://127.0.0.1:" + upstreamPort, "--port", "0"),
                Map.of(), dir);
    }

    int upstreamPort() {
        return upstreamPort;
    }

    LoadClient.Target direct() {
        return relayed("direct", upstreamPort);
    }

    LoadClient.Target through(Jvm gateway) {
        return new LoadClient.Target("anyrouter",
                URI.create("http://127.0.0.1:" + gateway.port + "/api/v1/chat/completions"), "openai/bench", KEY);
    }

    /** The simulator's own path on {@code port}: the simulator itself, or a byte proxy in front of it. */
    LoadClient.Target relayed(String name, int port) {
        return new LoadClient.Target(name,
                URI.create("http://127.0.0.1:" + port + "/simulator/v1/chat/completions"), "bench", KEY);
    }

    /** The usual warm-up of one path before it is measured: 3,000 streams of 20 chunks, 16 at a time. */
    void warmUp(LoadClient.Target target) throws InterruptedException {
        client.run(target, quick ? 200 : 3000, 16, 20, 0);
    }

    /**
     * The class path for the byte proxy: a copy of this benchmark's jar when it runs from that jar alone, else
     * (run from the build, as by the smoke test) its own class path as it is.
     */
    private static String benchClassPath(Path dir) throws IOException {
        String classPath = System.getProperty("java.class.path");
        Path own;
        try {
            own = Path.of(ByteProxy.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (Path.of(classPath).toAbsolutePath().equals(own.toAbsolutePath())) {
            return Files.copy(own, dir.resolve("anyrouter-bench.jar")).toString();
        }
        return classPath;
    }
}
