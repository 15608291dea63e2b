package dev.anyrouter.webapp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.PackageVersion;
import dev.anyrouter.config.ConfigFile;
import dev.anyrouter.config.Settings;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Collections;
import java.util.function.Function;
import javax.naming.Context;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import org.glassfish.jersey.internal.Version;
import org.glassfish.jersey.servlet.ServletContainer;

/**
 * Starts AnyRouter at the root of a WAR's servlet context, with the settings of its container, and stops it with
 * the context: the WAR declares it in {@code web.xml}. It is an {@link EmbeddedAnyRouter} (the one wiring), plus
 * what a deployment in a server needs: the WAR's own Jersey services ({@link OwnJerseyServices}), a log line saying
 * which Jersey and Jackson it runs on, and its JDBC drivers deregistered on undeploy.
 */
public final class AnyRouterListener implements ServletContextListener {

    private static final System.Logger LOG = System.getLogger(AnyRouterListener.class.getName());

    private EmbeddedAnyRouter anyRouter;
    private boolean ownJerseyServices;

    /**
     * Settings come from context parameters, then JNDI ({@code java:comp/env}), then system properties, then the
     * environment (see {@link #containerSettings}).
     */
    public AnyRouterListener() {
    }

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        // Before any Jersey client or server is built: the upstream client is built when the engine starts.
        ownJerseyServices = OwnJerseyServices.install();
        LOG.log(System.Logger.Level.INFO, "AnyRouter in " + context.getServerInfo() + " on Jersey "
                + Version.getVersion() + " (" + whose(ServletContainer.class) + ") and Jackson "
                + PackageVersion.VERSION + " (" + whose(ObjectMapper.class) + ")");
        anyRouter = EmbeddedAnyRouter.builder().settings(ConfigFile.over(containerSettings(context))).build();
        anyRouter.mount(context);
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
        // The container destroyed the Jersey servlet before this runs, which drained the gateway (GatewayServlet).
        if (anyRouter != null) {
            anyRouter.close();
        }
        deregisterDrivers();
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
}
