package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.config.StorageConfig;
import dev.anyrouter.store.Database;
import java.io.IOException;
import java.math.BigDecimal;
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
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of {@code java -jar anyrouter.jar} under 20 concurrent streams, then a restart on the same data
 * directory: every generation whose client received a byte has a ledger row, none is left in progress, each bills
 * at least its prompt and what its client received up to a second before the kill, and the key's spend equals the
 * sum of its rows. Before the fix, streams still running at the kill and those that had ended in the last moments
 * had no row at all.
 */
class JarKillIT {

    private static final int STREAMS = 20;
    private static final Pattern CONTENT = Pattern.compile("\"content\":\"[^\"]+\"");
    /** The window the ledger documents: what was delivered up to this long before a kill is billed. */
    private static final Duration WINDOW = Duration.ofSeconds(1);

    @TempDir
    Path work;

    /** What one client saw. */
    private static final class Seen {
        String id;
        boolean done;
        final List<Long> chunks = new ArrayList<>(); // nanoTime of each content chunk received
    }

    @Test
    void everyGenerationAClientSawIsBilledAfterAKill() throws Exception {
        Path data = work.resolve("data");
        Queue<Seen> seen = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService clients = Executors.newFixedThreadPool(STREAMS);
        long killedAt;
        Process process = start(data, work.resolve("first.log"));
        try {
            URI base = listening(process, work.resolve("first.log"));
            for (int i = 0; i < STREAMS; i++) {
                clients.execute(() -> {
                    while (!stop.get()) {
                        seen.add(stream(base));
                    }
                });
            }
            // long enough for many streams to end and new ones to start: the kill finds both kinds
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> seen.stream().filter(s -> s.done).count() >= 40);
            killedAt = System.nanoTime();
            process.destroyForcibly(); // SIGKILL
            stop.set(true);
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            clients.shutdown();
            assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).as("clients see the connections end").isTrue();
        } finally {
            clients.shutdownNow();
            process.destroyForcibly();
        }

        Process restarted = start(data, work.resolve("second.log"));
        try {
            listening(restarted, work.resolve("second.log"));
            restarted.destroy();
            assertThat(restarted.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            restarted.destroyForcibly();
        }
        assertThat(Files.readString(work.resolve("second.log"))).contains("closed as interrupted");

        Map<String, Object[]> rows = new HashMap<>(); // id -> outcome, tokens_prompt, tokens_completion, total_cost
        BigDecimal used;
        BigDecimal sum;
        try (Database db = Database.open(StorageConfig.embedded(data)); Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT id, outcome, tokens_prompt, tokens_completion, total_cost "
                    + "FROM generations")) {
                while (rs.next()) {
                    rows.put(rs.getString(1), new Object[] {rs.getString(2), rs.getLong(3), rs.getLong(4),
                            rs.getBigDecimal(5)});
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT k.credit_used, (SELECT SUM(g.total_cost) FROM generations g "
                    + "WHERE g.key_id = k.id) FROM api_keys k")) {
                assertThat(rs.next()).isTrue();
                used = rs.getBigDecimal(1);
                sum = rs.getBigDecimal(2);
            }
        }

        List<Seen> started = seen.stream().filter(s -> s.id != null).toList();
        long interrupted = 0;
        for (Seen client : started) {
            Object[] row = rows.get(client.id);
            assertThat(row).as("the row of %s, which its client saw (done: %s, chunks: %s)", client.id, client.done,
                    client.chunks.size()).isNotNull();
            String outcome = (String) row[0];
            assertThat(outcome).as(client.id).isIn("completed", "interrupted");
            assertThat((Long) row[1]).as("%s: its prompt", client.id).isPositive();
            assertThat((BigDecimal) row[3]).as(client.id).isPositive();
            if (outcome.equals("interrupted")) {
                interrupted++;
                long before = client.chunks.stream().filter(t -> t < killedAt - WINDOW.toNanos()).count();
                assertThat((Long) row[2]).as("%s: tokens delivered up to %s before the kill", client.id, WINDOW)
                        .isGreaterThanOrEqualTo(before);
            }
        }
        System.out.printf("JarKillIT: %d generations seen by their clients, %d done, %d interrupted%n",
                started.size(), started.stream().filter(s -> s.done).count(), interrupted);
        assertThat(interrupted).as("streams running at the kill").isPositive();
        assertThat(used).as("the key's spend is the sum of its rows").isEqualByComparingTo(sum);
    }

    /** One stream of 5 to 25 chunks 100 ms apart, read until its end or the connection's. */
    private static Seen stream(URI base) {
        Seen seen = new Seen();
        int count = ThreadLocalRandom.current().nextInt(5, 26);
        try (RawClient client = RawClient.connect(base)) {
            client.post("/api/v1/chat/completions", Gateway.BEARER, "{\"model\":\"openai/gpt-4o\",\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Count to " + count + "\"}],"
                    + "\"simulation\":{\"chunk_delay_ms\":100}}");
            if (client.status != 200) {
                return seen;
            }
            seen.id = client.headers.get("x-generation-id"); // the status line and headers: bytes received
            String event;
            while ((event = client.nextData()) != null) {
                if (CONTENT.matcher(event).find()) {
                    seen.chunks.add(System.nanoTime());
                }
                if (event.contains("[DONE]")) {
                    seen.done = true;
                    break;
                }
            }
        } catch (IOException killed) {
            // the gateway was killed
        }
        return seen;
    }

    private static Process start(Path data, Path log) throws IOException {
        Path jar = Path.of(System.getProperty("anyrouter.war")).resolveSibling("anyrouter.jar");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "--port", "0").directory(data.getParent().toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("OPENAI_") || name.startsWith("ANYROUTER_")
                || name.startsWith("ANTHROPIC_"));
        builder.environment().putAll(Map.of("ANYROUTER_API_KEYS", Gateway.KEY, "ANYROUTER_DATA_DIR", data.toString(),
                "ANYROUTER_SIM_FIRST_TOKEN_MS", "5"));
        return builder.start();
    }

    private static URI listening(Process process, Path log) {
        Matcher listening = Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    assertThat(process.isAlive()).as("the jar runs").isTrue();
                    return Pattern.compile("listening on (\\S+)").matcher(Files.readString(log, StandardCharsets.UTF_8));
                }, Matcher::find);
        return URI.create(listening.group(1));
    }
}
