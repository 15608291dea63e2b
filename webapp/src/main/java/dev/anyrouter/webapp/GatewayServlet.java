package dev.anyrouter.webapp;

import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.rest.GatewayApplication;
import dev.anyrouter.rest.GatewayFilter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import java.time.Duration;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.servlet.ServletContainer;

/**
 * The gateway's registrations in a servlet context, as {@link EmbeddedAnyRouter#mount} makes them: the Jersey
 * servlet, with async support, at {@code path/*}, behind the one filter that sees each request end
 * ({@link GatewayFilter}), which is mapped to that servlet by its name.
 *
 * <p>The servlet drains the gateway before Jersey shuts down ({@link Draining}), then waits briefly for the responses
 * still ending (the simulated upstream's): a container destroys its servlets before it tells the context's listeners
 * that the context stops, and a stream still running when Jersey has shut down can neither write nor end its
 * response.
 */
final class GatewayServlet {

    /** The Jersey servlet's name; the filters are mapped to it. */
    static final String NAME = "anyrouter";
    private static final System.Logger LOG = System.getLogger(GatewayServlet.class.getName());
    /** How long Jersey's shutdown waits, after the drain, for responses still ending (the simulator's). */
    private static final Duration RESPONSES_END_WAIT = Duration.ofSeconds(2);

    private GatewayServlet() {
    }

    /**
     * Registers the Jersey application of {@code engine}, with {@code extra} components (the simulated upstream's),
     * and its filter in {@code context}, which must be starting.
     */
    static void register(ServletContext context, String path, AnyRouter engine, Object[] extra, Runnable drain) {
        GatewayFilter gateway = new GatewayFilter(engine);
        ServletRegistration.Dynamic jersey = context.addServlet(NAME,
                new Draining(GatewayApplication.create(engine, extra), () -> {
                    drain.run();
                    if (!gateway.awaitEnded(RESPONSES_END_WAIT)) {
                        LOG.log(System.Logger.Level.INFO, "shutdown: " + gateway.open() + " responses still open "
                                + RESPONSES_END_WAIT.toMillis() + " ms after the drain; Jersey stops under them");
                    }
                }));
        if (jersey == null) {
            throw new IllegalStateException("a servlet named '" + NAME + "' is already in the context");
        }
        jersey.setAsyncSupported(true);
        jersey.setLoadOnStartup(1);
        jersey.addMapping(path + "/*");
        FilterRegistration.Dynamic filter = context.addFilter("anyrouter", gateway);
        filter.setAsyncSupported(true);
        filter.addMappingForServletNames(null, false, NAME);
    }

    /** The Jersey servlet, which drains the gateway (new requests 503, running ones get the grace) as it goes. */
    private static final class Draining extends ServletContainer {

        private static final long serialVersionUID = 1L;
        private final transient Runnable drain;

        Draining(ResourceConfig application, Runnable drain) {
            super(application);
            this.drain = drain;
        }

        @Override
        public void destroy() {
            try {
                drain.run();
            } finally {
                super.destroy();
            }
        }
    }
}
