package dev.anyrouter.webapp;

import dev.anyrouter.config.GatewayConfig;
import dev.anyrouter.config.Settings;
import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.simulator.Simulator;
import dev.anyrouter.store.KeyHash;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * AnyRouter mounted in an application's own servlet context, under a path of its choosing ({@code /llm}: the API
 * is then at {@code /llm/api/v1/…}), next to the application's servlets, on any Servlet 6 container. The one
 * wiring of the gateway: the WAR ({@link AnyRouterListener}) and the jar's embedded Jetty use it too.
 *
 * <pre>{@code
 * @WebListener
 * public class Llm implements ServletContextListener {
 *     private final EmbeddedAnyRouter anyRouter = EmbeddedAnyRouter.builder()
 *             .settings(Map.of("ANYROUTER_API_KEYS", key)).path("/llm").build();
 *     public void contextInitialized(ServletContextEvent event) { anyRouter.mount(event.getServletContext()); }
 *     public void contextDestroyed(ServletContextEvent event) { anyRouter.close(); }
 * }
 * }</pre>
 *
 * <p>On Jetty 12 directly, {@code JettyMount} (in {@code dev.anyrouter.server}) does this for a
 * {@code ServletContextHandler} and drains when the server begins to stop.
 *
 * <p>Lifecycle: {@link #start} opens the database and starts the engine's threads ({@link #mount} starts it if
 * needed); {@link #drain} refuses new requests (503) and gives running ones the shutdown grace
 * ({@code ANYROUTER_SHUTDOWN_GRACE_MS}) before ending them; {@link #close} drains, then writes the ledger's last
 * rows and stops everything. After {@code close} the mounted paths answer 503 until the context stops.
 */
public final class EmbeddedAnyRouter implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(EmbeddedAnyRouter.class.getName());

    private final Settings settings;
    private final GatewayConfig config;
    private final String path;
    private AnyRouter engine;
    private Simulator simulator;
    private boolean closed;

    private EmbeddedAnyRouter(Settings settings, GatewayConfig config, String path) {
        this.settings = settings;
        this.config = config;
        this.path = path;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens the database, starts the engine and, offline, the simulated upstream. Once only; {@link #mount}
     * calls it. Fails with the reason (e.g. a database that cannot be opened) and leaves nothing running.
     */
    public synchronized EmbeddedAnyRouter start() {
        if (closed) {
            throw new IllegalStateException("AnyRouter was closed; build a new one");
        }
        if (engine == null) {
            engine = AnyRouter.start(config);
            if (config.offline()) {
                simulator = Simulator.start(settings);
            }
        }
        return this;
    }

    /**
     * Registers AnyRouter in {@code context}, which must be starting (from a {@code ServletContextListener}'s
     * {@code contextInitialized} or a {@code ServletContainerInitializer}): the Jersey servlet with async support
     * at {@code path/*}, behind the one filter that sees each request end ({@code GatewayFilter}). Starts the engine
     * first if needed.
     */
    public void mount(ServletContext context) {
        Objects.requireNonNull(context, "context");
        start();
        Object[] extra = simulator == null ? new Object[0] : simulator.components(engine.keys());
        GatewayServlet.register(context, path, engine, extra, this::drain);
    }

    /**
     * A listener that mounts AnyRouter when its context starts and closes it when the context stops, for an
     * embedded container's own API (Jetty's {@code ServletContextHandler.addEventListener}). Not for
     * {@code ServletContext.addListener}: the Servlet spec forbids a listener added that way to add servlets.
     */
    public ServletContextListener listener() {
        return new ServletContextListener() {
            @Override
            public void contextInitialized(ServletContextEvent event) {
                mount(event.getServletContext());
            }

            @Override
            public void contextDestroyed(ServletContextEvent event) {
                close();
            }
        };
    }

    /** The running engine (keys, ledger, metrics, generation listeners). */
    public synchronized AnyRouter engine() {
        if (engine == null) {
            throw new IllegalStateException("AnyRouter is not started");
        }
        return engine;
    }

    public GatewayConfig config() {
        return config;
    }

    /** Where the API is mounted in its context: {@code ""} for the root, else like {@code /llm}. */
    public String path() {
        return path;
    }

    /**
     * Graceful stop, first part: new requests get 503 {@code shutting down}, running ones may finish within the
     * shutdown grace, the rest then end with an error event and their upstream calls are aborted; then the
     * simulated upstream's streams still open are closed. Blocks until then. Call it before the container stops
     * accepting connections (the jar: when its Jetty begins to stop).
     */
    public void drain() {
        AnyRouter running;
        Simulator own;
        synchronized (this) {
            running = engine;
            own = simulator;
        }
        if (running != null) {
            running.drain(config.shutdownGrace());
        }
        if (own != null) {
            own.endStreams(); // the relays that read them have ended
        }
    }

    /**
     * Drains, then writes the ledger's last rows and closes the database, the upstream client, the simulated
     * upstream and every thread AnyRouter started. Idempotent.
     */
    @Override
    public void close() {
        AnyRouter running;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            running = engine;
        }
        if (running == null) {
            return;
        }
        try {
            running.drain(config.shutdownGrace());
        } finally {
            if (simulator != null) {
                simulator.close();
            }
            running.close();
        }
    }

    /** The settings and configuration of an {@link EmbeddedAnyRouter}. */
    public static final class Builder {
        private Settings settings = Settings.fromEnvironment();
        private Optional<GatewayConfig> config = Optional.empty();
        private String path = "";

        private Builder() {
        }

        /**
         * The settings, by their names in docs/configuration.md ({@code ANYROUTER_API_KEYS}, …). Default:
         * system properties, then the environment, as the jar reads them (without a YAML file).
         */
        public Builder settings(Settings settings) {
            this.settings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /** The settings from a map of names to values; names it lacks take their defaults. */
        public Builder settings(Map<String, String> settings) {
            Map<String, String> copy = Map.copyOf(Objects.requireNonNull(settings, "settings"));
            return settings(Settings.of(copy::get));
        }

        /** A configuration built already; default: {@code GatewayConfig.from(settings)}. */
        public Builder config(GatewayConfig config) {
            this.config = Optional.of(Objects.requireNonNull(config, "config"));
            return this;
        }

        /**
         * Where to mount the API in the servlet context: {@code "/llm"} serves {@code /llm/api/v1/…},
         * {@code /llm/metrics}, {@code /llm/health}; default {@code ""}, the context's root.
         */
        public Builder path(String path) {
            Objects.requireNonNull(path, "path");
            String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
            if (!trimmed.isEmpty() && (!trimmed.startsWith("/") || trimmed.contains("*") || trimmed.contains("//"))) {
                throw new IllegalArgumentException("path: " + path + " (expected: \"\" or a path such as /llm)");
            }
            this.path = trimmed;
            return this;
        }

        /** Not started yet: see {@link EmbeddedAnyRouter#start} and {@link EmbeddedAnyRouter#mount}. */
        public EmbeddedAnyRouter build() {
            GatewayConfig built = config.orElseGet(() -> GatewayConfig.from(settings));
            return new EmbeddedAnyRouter(settings, withKey(built), path);
        }
    }

    /** With no client key configured, one is generated for this run and logged: never accept everything. */
    static GatewayConfig withKey(GatewayConfig config) {
        if (!config.apiKeys().isEmpty()) {
            return config;
        }
        String key = KeyHash.generate();
        LOG.log(System.Logger.Level.WARNING, "ANYROUTER_API_KEYS is not set; this run accepts the generated key "
                + key);
        return config.withApiKeys(List.of(key));
    }
}
