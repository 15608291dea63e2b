package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.config.StorageConfig;
import dev.anyrouter.store.Database;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bare SIGTERM to {@code java -jar anyrouter.jar} on its embedded database: streams that finish within the grace
 * and one ended by it all have their ledger rows, written while the gateway stops, and the log says so. H2's own
 * shutdown hook used to close the database at once, in parallel with the graceful stop: the ledger's next write
 * failed ("Database is already closed"); and the JDK's hook reset logging, so nothing the stop logged was seen.
 */
class JarSigtermIT {

    /** Streams finishing 200 ms apart, 0.4 to 4.2 s after they start: the ledger writes before and after the signal. */
    private static final int STAGGERED = 20;

    @TempDir
    Path work;

    @Test
    void everyGenerationIsInTheLedgerAfterASigterm() throws Exception {
        Path data = work.resolve("data");
        Path out = work.resolve("out.log");
        Path jar = Path.of(System.getProperty("anyrouter.war")).resolveSibling("anyrouter.jar");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "--port", "0").directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("OPENAI_") || name.startsWith("ANYROUTER_")
                || name.startsWith("ANTHROPIC_"));
        builder.environment().putAll(Map.of("ANYROUTER_API_KEYS", Gateway.KEY, "ANYROUTER_DATA_DIR", data.toString(),
                "ANYROUTER_SHUTDOWN_GRACE_MS", "6000", "ANYROUTER_SIM_FIRST_TOKEN_MS", "5"));
        Process process = builder.start();
        Map<String, String> outcomes = new HashMap<>(); // generation id -> the outcome its row must have
        List<RawClient> running = new ArrayList<>();
        try {
            Matcher listening = Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> Pattern.compile("listening on (\\S+)").matcher(read(out)), Matcher::find);
            URI base = URI.create(listening.group(1));
            RawClient cut = post(base, 200); // still running at the end of the grace
            running.add(cut);
            outcomes.put(cut.headers.get("x-generation-id"), "failed");
            for (int i = 0; i < STAGGERED; i++) {
                RawClient client = post(base, 4 + 2 * i);
                running.add(client);
                outcomes.put(client.headers.get("x-generation-id"), "completed");
            }
            // a few have ended (their rows written, the pool's connections in use), most still run
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> completed(out) >= 3);

            process.destroy(); // SIGTERM, while the first streams end and the others run
            for (RawClient client : running.subList(1, running.size())) {
                assertThat(client.rest()).as("a stream ending within the grace").endsWith("data: [DONE]\n\n");
            }
            assertThat(cut.rest()).contains("shutting down");
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exits on SIGTERM").isTrue();
        } finally {
            for (RawClient client : running) {
                client.close();
            }
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        assertThat(read(out)).as("the jar's log").contains("shutdown: ending 1 requests still running")
                .doesNotContainIgnoringCase("already closed").doesNotContain("not written");
        Map<String, String> rows = new HashMap<>();
        try (Database db = Database.open(StorageConfig.embedded(data)); Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, outcome FROM generations")) {
            while (rs.next()) {
                rows.put(rs.getString(1), rs.getString(2));
            }
        }
        assertThat(rows).as("one row per generation, with its outcome").isEqualTo(outcomes);
    }

    /** Access-log lines of completed generations so far. */
    private static long completed(Path out) throws Exception {
        return read(out).lines().filter(l -> l.contains("\"outcome\":\"completed\"")).count();
    }

    /** A stream of {@code count} chunks 100 ms apart, its status and headers read. */
    private static RawClient post(URI base, int count) throws Exception {
        return RawClient.connect(base).post("/api/v1/chat/completions", Gateway.BEARER,
                "{\"model\":\"openai/gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
                        + "\"Count to " + count + "\"}],\"simulation\":{\"chunk_delay_ms\":100}}");
    }

    private static String read(Path file) throws Exception {
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
