package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.config.Settings;
import dev.anyrouter.config.StorageConfig;
import dev.anyrouter.example.HelloApp;
import dev.anyrouter.store.Database;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.assertj.core.api.Assertions;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedding example of docs/embedding.md ({@link HelloApp}: an application's own servlet at {@code /hello}, AnyRouter at
 * {@code /llm} of the same context) driven as a user would: the official OpenAI SDK on {@code /llm/api/v1} against
 * the simulated upstream (reached under the prefix too), a cancelled stream in the ledger, the prefix's metrics,
 * health and key check; then AnyRouter's lifecycle closed while the application keeps serving, leaving no thread.
 */
class EmbeddingIT {

    @TempDir
    Path data;

    @Test
    void servesUnderItsPrefixNextToTheApplicationAndLeavesNoThreadWhenClosed() throws Exception {
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        Map<String, GenerationRecord> generations = new ConcurrentHashMap<>();
        String cancelled;
        try (HelloApp app = HelloApp.start(0, Settings.of(Map.of(
                "ANYROUTER_API_KEYS", Gateway.KEY,
                "ANYROUTER_DATA_DIR", data.toString(),
                "ANYROUTER_SHUTDOWN_GRACE_MS", "500",
                "ANYROUTER_SIM_FIRST_TOKEN_MS", "5",
                "ANYROUTER_SIM_CHUNK_DELAY_MS", "1")::get))) {
            app.anyRouter().engine().onGeneration(record -> generations.put(record.id(), record));
            assertThat(hello(app)).as("the application's own servlet").isEqualTo(200);

            OpenAIClient sdk = OpenAIOkHttpClient.builder().baseUrl(app.uri() + "llm/api/v1").apiKey(Gateway.KEY)
                    .maxRetries(0).build();
            try {
                StringBuilder text = new StringBuilder();
                try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions()
                        .createStreaming(ask("Count to 5").build())) {
                    stream.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content()
                            .ifPresent(text::append)));
                }
                assertThat(text).hasToString("1, 2, 3, 4, 5");

                cancelled = cancelAfterTwoChunks(sdk);
                assertThat(generation(generations, cancelled).outcome()).isEqualTo(Generation.Outcome.CANCELLED);

                Assertions.assertThatThrownBy(() -> OpenAIOkHttpClient.builder().baseUrl(app.uri() + "llm/api/v1")
                        .apiKey("ar-not-a-key").maxRetries(0).build().chat().completions()
                        .create(ask("hi").build())).isInstanceOf(UnauthorizedException.class);
            } finally {
                sdk.close();
            }
            try (RawClient health = RawClient.connect(app.uri()).get("/llm/health")) {
                assertThat(health.status).isEqualTo(200);
            }
            try (RawClient metrics = RawClient.connect(app.uri()).get("/llm/metrics")) {
                assertThat(metrics.status).isEqualTo(200);
                assertThat(metrics.rest()).contains("anyrouter_requests_total{api=\"chat\",status=\"200\",stream=\"true\"} 2.0")
                        .contains("anyrouter_cancellations_total{provider=\"simulated\"} 1.0");
            }

            closeWhileAStreamRuns(app);
            assertThat(hello(app)).as("the application's servlet after AnyRouter closed").isEqualTo(200);
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(threadsLeft(before)).as("AnyRouter threads after close").isEmpty());
        }

        try (Database db = Database.open(StorageConfig.embedded(data)); Connection c = db.dataSource().getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT outcome FROM generations WHERE id = ?")) {
            ps.setString(1, cancelled);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("the cancelled stream's ledger row").isTrue();
                assertThat(rs.getString(1)).isEqualTo("cancelled");
            }
        }
    }

    private static ChatCompletionCreateParams.Builder ask(String prompt) {
        return ChatCompletionCreateParams.builder().model("openai/gpt-4o").addUserMessage(prompt);
    }

    /** Reads two chunks of a long stream, then closes it (the SDK's cancel); returns its generation id. */
    private static String cancelAfterTwoChunks(OpenAIClient sdk) {
        ChatCompletionCreateParams params = ask("Count to 50").putAdditionalBodyProperty("simulation",
                JsonValue.from(Map.of("chunk_delay_ms", 200))).build();
        try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions().createStreaming(params)) {
            Iterator<ChatCompletionChunk> chunks = stream.stream().iterator();
            String id = chunks.next().id();
            chunks.next();
            return id;
        }
    }

    /**
     * Closes AnyRouter (not the application) while a stream runs: the application's servlet answers during the
     * drain, AnyRouter's paths refuse new requests, and the stream ends with an error event after the grace.
     */
    private static void closeWhileAStreamRuns(HelloApp app) throws Exception {
        try (RawClient stream = RawClient.connect(app.uri()).post("/llm/api/v1/chat/completions", Gateway.BEARER,
                "{\"model\":\"openai/gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
                        + "\"Count to 50\"}],\"simulation\":{\"chunk_delay_ms\":200}}")) {
            stream.nextData();
            CompletableFuture<Void> closing = CompletableFuture.runAsync(app.anyRouter()::close);
            Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> app.anyRouter().engine().runningRelays().draining());
            assertThat(hello(app)).as("the application's servlet while AnyRouter drains").isEqualTo(200);
            try (RawClient late = RawClient.connect(app.uri()).post("/llm/api/v1/chat/completions",
                    Gateway.BEARER, "{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":"
                            + "\"hi\"}]}")) {
                assertThat(late.status).isEqualTo(503);
            }
            assertThat(stream.rest()).contains("shutting down");
            closing.get(15, TimeUnit.SECONDS);
        }
    }

    private static int hello(HelloApp app) throws Exception {
        try (RawClient client = RawClient.connect(app.uri()).get("/hello")) {
            assertThat(client.rest()).isEqualTo("hello from the application\n");
            return client.status;
        }
    }

    private static GenerationRecord generation(Map<String, GenerationRecord> generations, String id) {
        return Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> generations.get(id), r -> r != null);
    }

    /**
     * Threads started since {@code before} that are AnyRouter's (its executors, database pool and upstream client
     * are named {@code anyrouter-…}) or run its code. Virtual threads are not listed; they end with their task.
     */
    private static List<String> threadsLeft(Set<Thread> before) {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> !before.contains(e.getKey()) && e.getKey() != Thread.currentThread())
                .filter(e -> e.getKey().getName().startsWith("anyrouter") || e.getKey().getName().startsWith("H2 TCP")
                        || Arrays.stream(e.getValue()).anyMatch(f -> f.getClassName().startsWith("dev.anyrouter.")
                                && !f.getClassName().startsWith("dev.anyrouter.it.")))
                .map(e -> e.getKey().getName()).collect(Collectors.toList());
    }
}
