package dev.anyrouter.it;

import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.config.ConfigFile;
import dev.anyrouter.config.GatewayConfig;
import dev.anyrouter.config.Settings;
import dev.anyrouter.config.StorageConfig;
import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.server.AnyRouterServer;
import dev.anyrouter.store.DataDir;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/** The real gateway on an embedded Jetty, on loopback port 0, with test settings. */
final class Gateway implements AutoCloseable {

    static final String KEY = "ar-test-key-0123456789";
    static final String BEARER = "Bearer " + KEY;
    static final String UPSTREAM_KEY = "sk-upstream-secret-DO-NOT-LEAK";

    private final AnyRouterServer server;
    private final Path dataDir;
    private final Map<String, GenerationRecord> generations = new ConcurrentHashMap<>();

    private Gateway(Map<String, String> values) {
        try {
            dataDir = values.containsKey("ANYROUTER_DATA_DIR") || values.containsKey("ANYROUTER_DB_URL") ? null
                    : Files.createTempDirectory("anyrouter-it-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (dataDir != null) {
            values.put("ANYROUTER_DATA_DIR", dataDir.toString());
        }
        // The embedded server watches the client while it holds a stream's 200; tests that set the plain grace mean
        // it for both, unless they set the watched one themselves.
        values.putIfAbsent("ANYROUTER_WATCHED_COMMIT_GRACE_MS", values.get("ANYROUTER_COMMIT_GRACE_MS"));
        // ANYROUTER_CONFIG names a YAML file, as for the server: the settings here win over it.
        Settings settings = ConfigFile.over(Settings.of(values::get));
        server = AnyRouterServer.create("127.0.0.1", 0, GatewayConfig.from(settings), settings);
        server.engine().onGeneration(record -> generations.put(record.id(), record));
    }

    /** Routes {@code openai/*} to {@code upstream}; {@code overrides} are more settings. */
    static Gateway against(URI upstream, String... overrides) {
        Map<String, String> values = base();
        values.put("OPENAI_BASE_URL", upstream.toString());
        values.put("OPENAI_API_KEY", UPSTREAM_KEY);
        for (int i = 0; i < overrides.length; i += 2) {
            values.put(overrides[i], overrides[i + 1]);
        }
        return new Gateway(values);
    }

    /** Routes {@code anthropic/*} to {@code upstream}, a Messages API root; {@code overrides} are more settings. */
    static Gateway againstAnthropic(URI upstream, String... overrides) {
        Map<String, String> values = base();
        values.put("ANTHROPIC_BASE_URL", upstream.toString());
        values.put("ANTHROPIC_API_KEY", UPSTREAM_KEY);
        for (int i = 0; i < overrides.length; i += 2) {
            values.put(overrides[i], overrides[i + 1]);
        }
        return new Gateway(values);
    }

    /** Only the fixture's base settings and {@code settings}: for upstreams the test configures itself. */
    static Gateway with(String... settings) {
        Map<String, String> values = base();
        for (int i = 0; i < settings.length; i += 2) {
            values.put(settings[i], settings[i + 1]);
        }
        return new Gateway(values);
    }

    /** The offline default: every model answered by the built-in simulated upstream. */
    static Gateway offline(String... overrides) {
        Map<String, String> values = base();
        values.put("ANYROUTER_SIM_FIRST_TOKEN_MS", "5");
        values.put("ANYROUTER_SIM_CHUNK_DELAY_MS", "1");
        for (int i = 0; i < overrides.length; i += 2) {
            values.put(overrides[i], overrides[i + 1]);
        }
        return new Gateway(values);
    }

    private static Map<String, String> base() {
        Map<String, String> values = new HashMap<>();
        values.put("ANYROUTER_API_KEYS", KEY);
        values.put("ANYROUTER_COMMIT_GRACE_MS", "150");
        values.put("ANYROUTER_KEEPALIVE_MS", "200");
        // Retries stay on (the product default) but quick, so error tests keep their pace; a long Retry-After
        // exceeds the budget and is not waited for.
        values.put("ANYROUTER_RETRY_BACKOFF_MS", "10");
        values.put("ANYROUTER_RETRY_BUDGET_MS", "1000");
        return values;
    }

    URI uri() {
        return server.uri();
    }

    int openConnections() {
        return server.openConnections();
    }

    /**
     * A connection to the embedded database in {@code dir} with its credentials: in this JVM, the database a gateway
     * here has open.
     */
    static Connection database(Path dir) throws SQLException {
        return DriverManager.getConnection(StorageConfig.embedded(dir).jdbcUrl(), DataDir.USER,
                DataDir.password(dir).reveal());
    }

    /** The embedded database's folder (a temp dir made for this gateway unless the settings chose one). */
    Path dataDir() {
        return dataDir;
    }

    AnyRouter engine() {
        return server.engine();
    }

    /** The billed record of a generation (with the text it delivered), once its relay has finished. */
    GenerationRecord generation(String id) {
        return Awaitility.await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
                .atMost(Duration.ofSeconds(5)).until(() -> generations.get(id), Objects::nonNull);
    }

    /** How many generations have been billed so far. */
    int generationCount() {
        return generations.size();
    }

    @Override
    public void close() {
        server.close();
        if (dataDir != null) {
            deleteTree(dataDir);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
