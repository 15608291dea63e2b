package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.config.StorageConfig;
import dev.anyrouter.store.Database;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The built WAR in real server distributions: deploys, runs on its own Jersey and Jackson, streams, cancels (and
 * streams whole right after a cancel), and undeploys without leaving threads; and takes its settings from the
 * container.
 */
class AppServerIT {

    private static final String COUNT = "{\"model\":\"openai/gpt-4-turbo\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Count to 5\"}]}";
    private static final String CHAT = "/anyrouter/api/v1/chat/completions";
    /** The line the WAR logs at start: which Jersey and Jackson it runs on. */
    private static final Pattern OWN_LIBRARIES = Pattern.compile(
            "AnyRouter in .+ on Jersey 3[.\\d]+ \\(the application's own\\) and Jackson 2[.\\d]+ \\(the application's own\\)");

    @ParameterizedTest
    @EnumSource(ServerProcess.Distribution.class)
    void deploysStreamsAndUndeploysCleanly(ServerProcess.Distribution distribution, @TempDir Path work)
            throws Exception {
        Path data = work.resolve("data");
        long started = System.nanoTime();
        ServerProcess server = ServerProcess.start(distribution, work, Map.of(
                "ANYROUTER_API_KEYS", Gateway.KEY, "ANYROUTER_OFFLINE", "true",
                "ANYROUTER_SIM_FIRST_TOKEN_MS", "5", "ANYROUTER_SIM_CHUNK_DELAY_MS", "5",
                "ANYROUTER_DATA_DIR", data.toString()));
        try (server) { // when the body fails, a failure to stop is added to its error as suppressed
            awaitHealthy(server);
            System.out.printf("%s: serving after %.1f s%n", distribution, (System.nanoTime() - started) / 1e9);
            try (RawClient client = RawClient.connect(server.base).post(CHAT, Gateway.BEARER, COUNT)) {
                assertThat(client.status).isEqualTo(200);
                assertThat(client.headers).containsEntry("content-type", "text/event-stream")
                        .containsEntry("x-accel-buffering", "no");
                String body = Chunks.withoutComments(client.rest());
                assertThat(body).contains("\"content\":\"1\"").contains("\"content\":\", 5\"")
                        .contains("\"finish_reason\":\"stop\"").endsWith("data: [DONE]\n\n");
            }
            String cancelled;
            try (RawClient client = RawClient.connect(server.base)
                    .post(CHAT, Gateway.BEARER, COUNT.replace("Count to 5", "Count to 100000"))) {
                assertThat(client.status).isEqualTo(200);
                assertThat(client.nextData()).contains("\"role\":\"assistant\"");
                cancelled = client.headers.get("x-generation-id");
                client.reset();
            }
            Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                try (RawClient client = RawClient.connect(server.base)
                        .send("GET", "/anyrouter/api/v1/generation?id=" + cancelled, Gateway.BEARER, null)) {
                    assertThat(client.status).as("the cancelled stream's ledger row").isEqualTo(200);
                    assertThat(client.rest()).contains("\"cancelled\":true");
                }
            });
            for (int i = 0; i < 10; i++) {
                streamRightAfterAnAbandonedOne(server, i);
            }
            try (RawClient client = RawClient.connect(server.base).post(CHAT, "Bearer ar-wrong", COUNT)) {
                assertThat(client.status).isEqualTo(401);
                assertThat(client.headers.get("content-type")).startsWith("application/json");
                assertThat(client.rest()).contains("\"type\":\"authentication_error\"");
            }
        }
        assertThat(data).as("the key store and ledger, in ANYROUTER_DATA_DIR").isNotEmptyDirectory();
        String log = server.log();
        assertThat(log).as("which Jersey and Jackson the WAR ran on").containsPattern(OWN_LIBRARIES);
        keptIfProblems(distribution, distribution.name(), log);
        assertThat(problems(distribution, log)).as("the server log, after undeploy").isEmpty();
    }

    /**
     * Context parameters win over JNDI entries, which win over system properties, which win over the environment:
     * each layer sets what the layers above it leave unset, and loses what they set.
     */
    @Test
    void tomcatTakesSettingsFromContextParametersJndiAndSystemProperties(@TempDir Path work) throws Exception {
        String fromContext = "ar-from-context-parameter-0123";
        String fromJndi = "ar-from-jndi-0123456789";
        String fromSystem = "ar-from-system-property-0123";
        String fromEnvironment = "ar-from-environment-0123";
        String adminFromSystem = "admin-from-system-property-0123";
        String adminFromEnvironment = "admin-from-environment-0123";
        Path dataFromSystem = work.resolve("data-from-system-property");
        Path dataFromEnvironment = work.resolve("data-from-environment");
        String contextXml = """
                <Context>
                  <Parameter name="ANYROUTER_API_KEYS" value="%s" override="false"/>
                  <Environment name="ANYROUTER_API_KEYS" value="%s" type="java.lang.String" override="false"/>
                  <Environment name="ANYROUTER_PRICES" value="openai/from-jndi=0.000001:0.000002"
                               type="java.lang.String" override="false"/>
                </Context>
                """.formatted(fromContext, fromJndi);
        ServerProcess server = ServerProcess.start(ServerProcess.Distribution.TOMCAT_11, work, Map.of(
                "ANYROUTER_API_KEYS", fromEnvironment,
                "ANYROUTER_PRICES", "openai/from-environment=0.000001:0.000002",
                "ANYROUTER_ADMIN_KEY", adminFromEnvironment,
                "ANYROUTER_DATA_DIR", dataFromEnvironment.toString(),
                "ANYROUTER_OFFLINE", "true", "ANYROUTER_SIM_FIRST_TOKEN_MS", "5",
                "ANYROUTER_SIM_CHUNK_DELAY_MS", "5"),
                new ServerProcess.Container(Map.of(
                        "ANYROUTER_API_KEYS", fromSystem,
                        "ANYROUTER_PRICES", "openai/from-system-property=0.000001:0.000002",
                        "ANYROUTER_ADMIN_KEY", adminFromSystem,
                        "ANYROUTER_DATA_DIR", dataFromSystem.toString()), contextXml));
        try (server) {
            awaitHealthy(server);
            try (RawClient client = RawClient.connect(server.base).post(CHAT, "Bearer " + fromContext, COUNT)) {
                assertThat(client.status).as("the context parameter's key").isEqualTo(200);
                assertThat(Chunks.withoutComments(client.rest())).endsWith("data: [DONE]\n\n");
            }
            for (String shadowed : new String[] {fromJndi, fromSystem, fromEnvironment}) {
                try (RawClient client = RawClient.connect(server.base).post(CHAT, "Bearer " + shadowed, COUNT)) {
                    assertThat(client.status).as("a key the context parameter overrides: " + shadowed)
                            .isEqualTo(401);
                }
            }
            try (RawClient client = RawClient.connect(server.base).get("/anyrouter/api/v1/models")) {
                assertThat(client.rest()).as("prices from JNDI, over the system property and the environment")
                        .contains("\"openai/from-jndi\"").doesNotContain("from-system-property")
                        .doesNotContain("from-environment");
            }
            try (RawClient client = RawClient.connect(server.base)
                    .send("GET", "/anyrouter/api/v1/keys", "Bearer " + adminFromSystem, null)) {
                assertThat(client.status).as("the admin key from the system property").isEqualTo(200);
            }
            try (RawClient client = RawClient.connect(server.base)
                    .send("GET", "/anyrouter/api/v1/keys", "Bearer " + adminFromEnvironment, null)) {
                assertThat(client.status).as("the admin key from the environment, overridden").isEqualTo(401);
            }
        }
        assertThat(dataFromSystem).as("ANYROUTER_DATA_DIR from the system property").isNotEmptyDirectory();
        assertThat(Files.exists(dataFromEnvironment)).as("ANYROUTER_DATA_DIR from the environment, overridden")
                .isFalse();
        assertThat(problems(ServerProcess.Distribution.TOMCAT_11, server.log())).isEmpty();
    }

    /**
     * A client resets a stream after its first events, and the next stream starts at once: it must arrive whole.
     * The server ends the abandoned request's cycle while that stream's own threads (the relay, the simulator's
     * timer) may be writing; on Tomcat, whose request objects then serve the next connection, a write let through
     * then cut off about one next stream in six.
     */
    private static void streamRightAfterAnAbandonedOne(ServerProcess server, int round) throws IOException {
        try (RawClient abandoned = RawClient.connect(server.base)
                .post(CHAT, Gateway.BEARER, COUNT.replace("Count to 5", "Count to 100000"))) {
            assertThat(abandoned.nextData()).contains("\"role\":\"assistant\"");
            assertThat(abandoned.nextData()).contains("\"content\"");
            abandoned.reset();
        }
        try (RawClient next = RawClient.connect(server.base).post(CHAT, Gateway.BEARER, COUNT)) {
            assertThat(next.status).isEqualTo(200);
            assertThat(Chunks.withoutComments(next.rest())).as("the stream after an abandoned one, round " + round)
                    .contains("\"content\":\", 5\"").endsWith("data: [DONE]\n\n");
        }
    }

    /**
     * Tomcat stopped by a bare SIGTERM while streams end one after another: its shutdown hook undeploys the WAR,
     * which drains the gateway before Jersey shuts down, and H2's own hook must not close the embedded database
     * meanwhile (the ledger's writes failed, "Database is already closed"). Every stream ends whole within the
     * grace and has its row afterwards, and the log has no warning or error. Before the drain moved into the Jersey
     * servlet's destroy, Jersey shut down under running streams: some were cut, and Tomcat ended their responses
     * with a warning. The last streams run until about 5 s into the stop: Tomcat times out an asynchronous request
     * that has no timeout of its own as soon as its context begins to stop, which cut them about 2 s into the
     * grace, with the same warning, until the gateway gave each such request one (docs/deploying.md).
     */
    @Test
    void tomcatStoppedBySigtermKeepsTheLedgerRows(@TempDir Path work) throws Exception {
        Path data = work.resolve("data");
        ServerProcess server = ServerProcess.start(ServerProcess.Distribution.TOMCAT_11, work, Map.of(
                "ANYROUTER_API_KEYS", Gateway.KEY, "ANYROUTER_OFFLINE", "true", "ANYROUTER_SIM_FIRST_TOKEN_MS", "5",
                "ANYROUTER_SHUTDOWN_GRACE_MS", "8000", "ANYROUTER_DATA_DIR", data.toString()));
        Set<String> ended = new HashSet<>();
        List<RawClient> streams = new ArrayList<>();
        boolean terminated = false;
        try {
            awaitHealthy(server);
            for (int i = 0; i < 12; i++) { // ending 400 ms apart, from 0.8 s after they start: the last about 5 s
                                           // into the stop, past when Tomcat times out asynchronous requests
                RawClient client = RawClient.connect(server.base).post(CHAT, Gateway.BEARER, COUNT
                        .replace("Count to 5", "Count to " + (4 + 2 * i)).replace("]}",
                                "],\"simulation\":{\"chunk_delay_ms\":200}}"));
                assertThat(client.status).isEqualTo(200);
                streams.add(client);
            }
            Map<RawClient, String> bodies = new HashMap<>();
            bodies.put(streams.get(0), streams.get(0).rest()); // the first streams have ended, the ledger is writing
            server.terminate();
            terminated = true;
            for (RawClient client : streams) {
                try {
                    String body = bodies.containsKey(client) ? bodies.get(client) : client.rest();
                    if (body.endsWith("data: [DONE]\n\n")) {
                        ended.add(client.headers.get("x-generation-id"));
                    }
                } catch (IOException cutByTheExit) {
                    // a stream that had not ended when Tomcat's JVM exited: not counted as ended
                }
            }
        } finally {
            for (RawClient client : streams) {
                client.close();
            }
            if (!terminated) {
                server.close();
            }
        }
        String log = keptIfProblems(ServerProcess.Distribution.TOMCAT_11, "sigterm", server.log());
        assertThat(problems(ServerProcess.Distribution.TOMCAT_11, log)).as("the server log").isEmpty();
        assertThat(ended).as("streams that ended whole, most of them during the stop").hasSize(streams.size());
        Set<String> rows = new HashSet<>();
        try (Database db = Database.open(StorageConfig.embedded(data)); Connection c = db.dataSource().getConnection();
                Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id FROM generations")) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        assertThat(rows).as("the ledger rows").containsAll(ended);
    }

    /**
     * The whole server log, kept in {@code target/failsafe-reports} when it has problems: the assertion shows only
     * the problem lines, and what led to them is in the rest (access-log lines, the stop's own lines).
     */
    private static String keptIfProblems(ServerProcess.Distribution distribution, String name, String log)
            throws IOException {
        if (!problems(distribution, log).isEmpty()) {
            Path kept = Path.of("target", "failsafe-reports", "AppServerIT-" + name + ".server.log");
            Files.createDirectories(kept.getParent());
            Files.writeString(kept, log);
        }
        return log;
    }

    private static void awaitHealthy(ServerProcess server) {
        Awaitility.await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250))
                .ignoreExceptionsInstanceOf(IOException.class).until(() -> {
                    server.checkRunning();
                    try (RawClient health = RawClient.connect(server.base)) {
                        return health.get("/anyrouter/health").status == 200;
                    }
                }, healthy -> healthy);
    }

    /**
     * What in a server log would be AnyRouter's fault: a leak report, an error, an exception, a warning of its own
     * (a ledger row not written, say), each with the stack trace that follows it. Payara's own noise at a
     * first deployment is left out: its leak checker, stopping a deployment-time class loader (named
     * {@code [unknown]}), is the first in the JVM to call {@code DriverManager.getDrivers()}, which registers every
     * JDBC driver visible to that loader (the WAR's H2 and PostgreSQL), then reports them as not unregistered. The
     * WAR's own class loader ({@code [/anyrouter]}) is still checked.
     */
    static String problems(ServerProcess.Distribution distribution, String log) {
        StringBuilder problems = new StringBuilder();
        int stackLines = 0;
        String previous = "";
        for (String line : log.split("\n")) {
            boolean payaraDriverProbe = distribution == ServerProcess.Distribution.PAYARA_6
                    && line.contains("The web application [unknown] registered the JDBC driver");
            // the logger's name is on the line (Tomcat, Payara) or on the one before (java.util.logging's default)
            boolean ownWarning = line.contains("WARN")
                    && (line.contains("dev.anyrouter.") || previous.contains("dev.anyrouter."));
            previous = line;
            if (!payaraDriverProbe && (line.contains("failed to stop") || line.contains("memory leak")
                    || line.contains("SEVERE") || line.contains("Exception") || ownWarning)) {
                problems.append(line).append('\n');
                stackLines = 12;
            } else if (stackLines > 0 && (line.startsWith("\t") || line.startsWith("Caused by"))) {
                problems.append(line).append('\n'); // where it came from
                stackLines--;
            } else {
                stackLines = 0;
            }
        }
        return problems.toString();
    }
}
