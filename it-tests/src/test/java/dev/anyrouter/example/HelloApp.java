package dev.anyrouter.example;

import dev.anyrouter.config.Settings;
import dev.anyrouter.server.JettyMount;
import dev.anyrouter.webapp.EmbeddedAnyRouter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * An existing application on Jetty 12 — its own servlet at {@code /hello} — with AnyRouter mounted at {@code /llm}
 * of the same servlet context: the OpenAI-compatible API at {@code /llm/api/v1}, plus {@code /llm/metrics} and
 * {@code /llm/health}. {@link #start} is apart from {@code main} so that a test can start it on port 0.
 */
public final class HelloApp implements AutoCloseable {

    private final Server server;
    private final ServerConnector connector;
    private final EmbeddedAnyRouter anyRouter;

    private HelloApp(Server server, ServerConnector connector, EmbeddedAnyRouter anyRouter) {
        this.server = server;
        this.connector = connector;
        this.anyRouter = anyRouter;
    }

    /** Starts the application on loopback {@code port} (0 picks a free one), AnyRouter with {@code settings}. */
    public static HelloApp start(int port, Settings settings) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler("/");
        context.addServlet(Hello.class, "/hello"); // the application's own

        EmbeddedAnyRouter anyRouter = EmbeddedAnyRouter.builder().settings(settings).path("/llm").build();
        // Started with the context; drained when the server begins to stop, closed with the context.
        JettyMount.mount(server, context, anyRouter);

        server.setHandler(context);
        server.setStopAtShutdown(true); // SIGTERM stops the server, and so drains and closes AnyRouter
        try {
            server.start();
        } catch (Exception e) {
            server.stop();
            throw e;
        }
        return new HelloApp(server, connector, anyRouter);
    }

    /** {@code http://127.0.0.1:port/}. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/");
    }

    public EmbeddedAnyRouter anyRouter() {
        return anyRouter;
    }

    /** Stops the server: AnyRouter drains first and closes with the context. */
    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** {@code java … dev.anyrouter.example.HelloApp}: AnyRouter takes its settings from the environment. */
    public static void main(String[] args) throws Exception {
        HelloApp app = start(8080, Settings.fromEnvironment());
        System.out.println("GET " + app.uri() + "hello; the OpenAI-compatible API is at " + app.uri() + "llm/api/v1");
        app.server.join();
    }

    /** The application's own servlet. */
    public static final class Hello extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("text/plain;charset=utf-8");
            response.getWriter().println("hello from the application");
        }
    }
}
