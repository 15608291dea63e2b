package dev.anyrouter.server;

import dev.anyrouter.config.GatewayConfig;
import dev.anyrouter.config.Settings;
import dev.anyrouter.engine.Threads;
import dev.anyrouter.store.KeyHash;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code anyrouter train}: a short, offline workload, then exit. The build runs it once on JDK 25+ under
 * {@code -XX:AOTCacheOutput} to make the jar's AOT cache ({@code webapp/target/anyrouter.aot}, see
 * docs/performance.md). It starts the gateway on its offline default — the built-in simulated upstream, answering
 * at once, on a free loopback port, with a temporary data folder and no setting from the environment, so no
 * provider is ever called — sends streamed and non-streamed requests of both APIs to models of both wire APIs
 * (passed through and translated) and a few refused ones, checks every answer, stops the gateway and deletes
 * the folder.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Run a short offline workload against a temporary gateway and exit (the build's AOT cache "
                + "training run on JDK 25+).")
final class TrainCommand implements Callable<Integer> {

    /** The model of each wire API the simulated upstream speaks, and the body of each client API. */
    private static final List<String> MODELS = List.of("openai/gpt-4o", "anthropic/claude-sonnet-4");

    @Spec
    private CommandSpec spec;

    @Option(names = "--requests", defaultValue = "300", description = "How many requests to send (default 300).")
    private int requests;

    @Option(names = "--parallel", defaultValue = "8", description = "How many at once (default 8).")
    private int parallel;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        Path data = Files.createTempDirectory("anyrouter-train-");
        long start = System.nanoTime();
        int failed;
        try {
            String key = KeyHash.generate();
            Settings settings = Settings.of(Map.of("ANYROUTER_DATA_DIR", data.toString(),
                    "ANYROUTER_SIM_FIRST_TOKEN_MS", "0", "ANYROUTER_SIM_CHUNK_DELAY_MS", "0",
                    "ANYROUTER_SIM_CHUNKS", "16", "ANYROUTER_SHUTDOWN_GRACE_MS", "1000")::get);
            GatewayConfig config = GatewayConfig.from(settings).withApiKeys(List.of(key));
            try (AnyRouterServer server = AnyRouterServer.create("127.0.0.1", 0, config, settings)) {
                failed = drive(server.uri(), key);
            }
        } finally {
            delete(data);
        }
        out.printf("anyrouter train: %d requests, %d failed, %d ms%n", requests, failed,
                (System.nanoTime() - start) / 1_000_000);
        out.flush();
        return failed == 0 ? 0 : 1;
    }

    /** Sends the workload, {@link #parallel} at a time; the number of answers that were not as expected. */
    private int drive(URI base, String key) throws InterruptedException {
        ExecutorService senders = Executors.newFixedThreadPool(parallel, Threads.named("anyrouter-train"));
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        try {
            List<Future<Boolean>> answers = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                int n = i;
                answers.add(senders.submit(() -> send(client, base, key, n)));
            }
            int failed = 0;
            for (Future<Boolean> answer : answers) {
                try {
                    failed += answer.get() ? 0 : 1;
                } catch (ExecutionException e) {
                    failed++;
                }
            }
            return failed;
        } finally {
            senders.shutdownNow();
        }
    }

    /** Request {@code n}: one in 20 a refused or a read-only one, the others every API, model and mode in turn. */
    private static boolean send(HttpClient client, URI base, String key, int n) throws IOException,
            InterruptedException {
        if (n % 20 == 19) {
            return other(client, base, key, n / 20 % 3);
        }
        boolean messages = n % 2 == 1;
        boolean stream = n / 2 % 2 == 0;
        String model = MODELS.get(n / 4 % 2);
        String body = "{\"model\":\"" + model + "\",\"stream\":" + stream + (messages ? ",\"max_tokens\":64" : "")
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Count to 16\"}]}";
        HttpRequest request = HttpRequest.newBuilder(base.resolve(messages ? "api/v1/messages"
                : "api/v1/chat/completions")).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        String answer = response.body();
        String end = stream ? (messages ? "event: message_stop" : "data: [DONE]") : (messages ? "\"content\"" : "\"choices\"");
        return response.statusCode() == 200 && answer.contains(end);
    }

    /** A wrong key (401), the model list, or the metrics. */
    private static boolean other(HttpClient client, URI base, String key, int which) throws IOException,
            InterruptedException {
        HttpRequest.Builder request = switch (which) {
            case 0 -> HttpRequest.newBuilder(base.resolve("api/v1/chat/completions"))
                    .header("Authorization", "Bearer ar-wrong").POST(HttpRequest.BodyPublishers.ofString("{}"));
            case 1 -> HttpRequest.newBuilder(base.resolve("api/v1/models")).header("Authorization", "Bearer " + key);
            default -> HttpRequest.newBuilder(base.resolve("metrics"));
        };
        int status = client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        return status == (which == 0 ? 401 : 200);
    }

    private static void delete(Path folder) throws IOException {
        try (Stream<Path> paths = Files.walk(folder)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
