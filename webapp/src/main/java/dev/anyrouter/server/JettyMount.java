package dev.anyrouter.server;

import dev.anyrouter.rest.IdleDisconnects;
import dev.anyrouter.webapp.EmbeddedAnyRouter;
import java.util.Objects;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * An {@link EmbeddedAnyRouter} in a Jetty 12 (ee10) application, with the jar's graceful stop: when the server
 * begins to stop, before its connectors close, AnyRouter drains (new requests 503, running ones get the shutdown
 * grace); when the context stops, AnyRouter closes. On Jetty, a client that leaves while its non-streamed answer
 * is awaited is noticed at once ({@link JettyIdleDisconnects}).
 */
public final class JettyMount {

    private JettyMount() {
    }

    /** Mounts {@code anyRouter} in {@code context}, which {@code server} serves and which has not started yet. */
    public static void mount(Server server, ServletContextHandler context, EmbeddedAnyRouter anyRouter) {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(anyRouter, "anyRouter");
        context.addEventListener(anyRouter.listener());
        context.setAttribute(IdleDisconnects.ATTRIBUTE, new JettyIdleDisconnects());
        server.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStopping(LifeCycle event) {
                anyRouter.drain();
            }
        });
    }

    /**
     * A servlet context of its own at {@code contextPath} ({@code "/llm"}) with {@code anyRouter} mounted in it,
     * ready to be added to the server's handlers next to the application's contexts.
     */
    public static ServletContextHandler context(Server server, String contextPath, EmbeddedAnyRouter anyRouter) {
        ServletContextHandler context = new ServletContextHandler(Objects.requireNonNull(contextPath, "contextPath"));
        mount(server, context, anyRouter);
        return context;
    }
}
