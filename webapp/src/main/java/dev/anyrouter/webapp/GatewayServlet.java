package dev.anyrouter.webapp;

import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.rest.GatewayApplication;
import dev.anyrouter.rest.GatewayFilter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import org.glassfish.jersey.servlet.ServletContainer;

/**
 * The gateway's registrations in a servlet context, as {@link EmbeddedAnyRouter#mount} makes them: the Jersey
 * servlet, with async support, at {@code path/*}, behind the one filter that sees each request end
 * ({@link GatewayFilter}), which is mapped to that servlet by its name.
 */
final class GatewayServlet {

    /** The Jersey servlet's name; the filters are mapped to it. */
    static final String NAME = "anyrouter";

    private GatewayServlet() {
    }

    /**
     * Registers the Jersey application of {@code engine}, with {@code extra} components (the simulated upstream's),
     * and its filter in {@code context}, which must be starting.
     */
    static void register(ServletContext context, String path, AnyRouter engine, Object[] extra) {
        ServletRegistration.Dynamic jersey = context.addServlet(NAME,
                new ServletContainer(GatewayApplication.create(engine, extra)));
        if (jersey == null) {
            throw new IllegalStateException("a servlet named '" + NAME + "' is already in the context");
        }
        jersey.setAsyncSupported(true);
        jersey.setLoadOnStartup(1);
        jersey.addMapping(path + "/*");
        FilterRegistration.Dynamic filter = context.addFilter("anyrouter", new GatewayFilter(engine));
        filter.setAsyncSupported(true);
        filter.addMappingForServletNames(null, false, NAME);
    }
}
