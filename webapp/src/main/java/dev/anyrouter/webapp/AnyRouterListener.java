package dev.anyrouter.webapp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.PackageVersion;
import dev.anyrouter.auth.KeyHash;
import dev.anyrouter.config.ConfigFile;
import dev.anyrouter.config.GatewayConfig;
import dev.anyrouter.config.Settings;
import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.rest.AsyncEnd;
import dev.anyrouter.rest.FlushBatching;
import dev.anyrouter.rest.GatewayApplication;
import dev.anyrouter.rest.JsonBodies;
import dev.anyrouter.rest.RequestLog;
import dev.anyrouter.simulator.Simulator;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletRegistration;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import javax.naming.Context;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import org.glassfish.jersey.internal.Version;
import org.glassfish.jersey.servlet.ServletContainer;

/**
 * Starts AnyRouter inside a servlet context and stops it with the context. The WAR declares it in
 * {@code web.xml}; the embedded server adds it with a ready-made configuration. Either way the same Jersey
 * application is registered, with async support, at {@code /*}, behind the {@link RequestLog}, {@link JsonBodies},
 * {@link FlushBatching} and {@link AsyncEnd} filters.
 */
public final class AnyRouterListener implements ServletContextListener {

    private static final System.Logger LOG = System.getLogger(AnyRouterListener.class.getName());

    private final GatewayConfig preset;
    private final Settings presetSettings;
    private AnyRouter engine;
    private Simulator simulator;
    private boolean ownJerseyServices;

    /**
     * For containers: settings come from context parameters, then JNDI ({@code java:comp/env}), then system
     * properties, then the environment (see {@link #containerSettings}).
     */
    public AnyRouterListener() {
        this(null, null);
    }

    public AnyRouterListener(GatewayConfig config, Settings settings) {
        this.preset = config;
        this.presetSettings = settings;
    }

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        if (preset == null) {
            // Before any Jersey client or server is built: the upstream client is built by AnyRouter.start.
            ownJerseyServices = OwnJerseyServices.install();
            LOG.log(System.Logger.Level.INFO, "AnyRouter in " + context.getServerInfo() + " on Jersey "
                    + Version.getVersion() + " (" + whose(ServletContainer.class) + ") and Jackson "
                    + PackageVersion.VERSION + " (" + whose(ObjectMapper.class) + ")");
        }
        Settings settings = presetSettings != null ? presetSettings : ConfigFile.over(containerSettings(context));
        GatewayConfig config = preset != null ? preset : withKey(GatewayConfig.from(settings));
        engine = AnyRouter.start(config);
        Object[] extra = {};
        if (config.offline()) {
            simulator = Simulator.start(settings);
            extra = simulator.components();
        }
        ServletRegistration.Dynamic jersey = context.addServlet("anyrouter",
                new ServletContainer(GatewayApplication.create(engine, extra)));
        jersey.setAsyncSupported(true);
        jersey.setLoadOnStartup(1);
        jersey.addMapping("/*");
        // First, so that it sees each request's whole life and the bytes of its response.
        FilterRegistration.Dynamic log = context.addFilter("anyrouter-request-log", new RequestLog(engine));
        log.setAsyncSupported(true);
        log.addMappingForServletNames(null, false, "anyrouter");
        FilterRegistration.Dynamic json = context.addFilter("anyrouter-json-bodies", new JsonBodies());
        json.setAsyncSupported(true);
        json.addMappingForServletNames(null, false, "anyrouter");
        FilterRegistration.Dynamic batching = context.addFilter("anyrouter-flush-batching", new FlushBatching());
        batching.setAsyncSupported(true);
        batching.addMappingForServletNames(null, false, "anyrouter");
        FilterRegistration.Dynamic asyncEnd = context.addFilter("anyrouter-async-end", new AsyncEnd());
        asyncEnd.setAsyncSupported(true);
        asyncEnd.addMappingForServletNames(null, false, "anyrouter");
    }

    /**
     * A WAR's settings, by name ({@code ANYROUTER_API_KEYS}, …), from the first of: the context's init parameters
     * ({@code <context-param>}, Tomcat's {@code <Parameter>}), JNDI environment entries under
     * {@code java:comp/env} ({@code <env-entry>}, Tomcat's {@code <Environment>}), system properties, the
     * environment.
     */
    static Settings containerSettings(ServletContext context) {
        return Settings.of(context::getInitParameter).orElse(Settings.of(jndiEnvironment()))
                .orElse(Settings.fromEnvironment());
    }

    /**
     * Looks names up in {@code java:comp/env}; nothing where the container offers no JNDI (jetty-home without its
     * {@code ee10-plus} module). Only simple values count (strings, numbers, booleans). Read while the context
     * starts, on the thread the container started it on, which is where containers bind {@code java:comp}.
     */
    private static Function<String, String> jndiEnvironment() {
        Context environment;
        try {
            environment = (Context) new InitialContext().lookup("java:comp/env");
        } catch (NamingException | RuntimeException e) {
            return name -> null;
        }
        return name -> {
            try {
                Object value = environment.lookup(name);
                return value instanceof String || value instanceof Number || value instanceof Boolean
                        ? value.toString() : null;
            } catch (NamingException | RuntimeException e) {
                return null;
            }
        };
    }

    /** Whether a library class is the application's own copy or the container's. */
    private static String whose(Class<?> type) {
        return type.getClassLoader() == AnyRouterListener.class.getClassLoader() ? "the application's own"
                : "the container's";
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        // The container destroys the Jersey servlet before this runs, so no request is in the engine's hands.
        if (simulator != null) {
            simulator.close();
        }
        if (engine != null) {
            engine.close();
        }
        if (preset == null) {
            deregisterDrivers();
        }
        if (ownJerseyServices) {
            OwnJerseyServices.uninstall();
        }
    }

    /**
     * In a container, the JDBC drivers this application's class loader registered (H2, PostgreSQL) go with it, or
     * the class loader leaks. Not when embedded: the drivers belong to the whole application there.
     */
    private static void deregisterDrivers() {
        ClassLoader own = AnyRouterListener.class.getClassLoader();
        for (Driver driver : Collections.list(DriverManager.getDrivers())) {
            if (driver.getClass().getClassLoader() == own) {
                try {
                    DriverManager.deregisterDriver(driver);
                } catch (SQLException e) {
                    LOG.log(System.Logger.Level.WARNING, "JDBC driver " + driver.getClass().getName()
                            + " not deregistered: " + e.getMessage());
                }
            }
        }
    }

    /** The engine, once the context has started. */
    public AnyRouter engine() {
        return engine;
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
