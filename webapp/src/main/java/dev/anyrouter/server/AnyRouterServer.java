package dev.anyrouter.server;

import dev.anyrouter.config.ConnectionsConfig;
import dev.anyrouter.config.GatewayConfig;
import dev.anyrouter.config.Settings;
import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.upstream.JettyPool;
import dev.anyrouter.webapp.EmbeddedAnyRouter;
import java.net.URI;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * AnyRouter on an embedded Jetty 12: the same servlet context the WAR gets, on a connector of its own.
 * {@link #create} is apart from {@code main} so tests can start it on port 0.
 */
public final class AnyRouterServer implements AutoCloseable {

    /**
     * The streams one HTTP/2 connection may carry at once (the HTTP/2 setting it announces): 15,000 streams need 15
     * connections. The gateway's own stream limits (docs/configuration.md) apply over it as over HTTP/1.1.
     */
    private static final int MAX_STREAMS_PER_CONNECTION = 1024;

    private final Server jetty;
    private final ServerConnector connector;
    private final EmbeddedAnyRouter anyRouter;

    private AnyRouterServer(Server jetty, ServerConnector connector, EmbeddedAnyRouter anyRouter) {
        this.jetty = jetty;
        this.connector = connector;
        this.anyRouter = anyRouter;
    }

    /** Builds and starts a server on {@code host:port} (port 0 picks a free one). */
    public static AnyRouterServer create(String host, int port, GatewayConfig config, Settings settings) {
        // Jetty's default maximum: on JDK 17 a request's body is read on one of these, blocking (docs/hardening.md)
        QueuedThreadPool threads = JettyPool.of("anyrouter-jetty", 200);
        Server jetty = new Server(threads);
        ConnectionsConfig limits = ConnectionsConfig.from(settings);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false); // no "Server: Jetty(…)": nothing to gain from naming the version
        ServerConnector connector = new ServerConnector(jetty, new HttpConnectionFactory(http), h2c(http));
        connector.setHost(host);
        connector.setPort(port);
        // Bursts of thousands of stream openings must not overflow the listen queue (the JDK default is 50).
        connector.setAcceptQueueSize(4096);
        jetty.addConnector(connector);
        guard(jetty, connector, limits);
        EmbeddedAnyRouter anyRouter = EmbeddedAnyRouter.builder().settings(settings).config(config).build();
        // Drains when Jetty begins to stop (new requests 503, running ones have the grace period to finish).
        ServletContextHandler context = JettyMount.context(jetty, "/", anyRouter);
        // Jetty's own refusals (a head it cannot parse, a path it refuses) in the API's JSON error shape
        context.setErrorHandler(new JsonErrorHandler());
        jetty.setErrorHandler(new JsonErrorHandler());
        jetty.setHandler(context);
        jetty.setStopTimeout(5_000);
        jetty.setStopAtShutdown(true); // SIGTERM stops the server, which stops the engine
        try {
            jetty.start();
        } catch (Exception e) {
            stopQuietly(jetty);
            throw new IllegalStateException("AnyRouter could not start on " + host + ":" + port + ": "
                    + e.getMessage(), e);
        }
        return new AnyRouterServer(jetty, connector, anyRouter);
    }

    /**
     * HTTP/2 over cleartext next to HTTP/1.1 on the same port: a client that starts with HTTP/2's preface (prior
     * knowledge) or asks to upgrade gets it. Many streams then share a connection (the simulated upstream, reached
     * from another gateway's h2c provider, too: docs/decisions/upstream-http2.md).
     */
    private static HTTP2CServerConnectionFactory h2c(HttpConfiguration http) {
        HTTP2CServerConnectionFactory h2c = new HTTP2CServerConnectionFactory(http);
        h2c.setMaxConcurrentStreams(MAX_STREAMS_PER_CONNECTION);
        return h2c;
    }

    /**
     * Slow and numerous clients (see {@link ConnectionsConfig}): a deadline for each request head, a cap per IP
     * address and one in all. At the overall cap Jetty stops accepting (new connections wait in the listen queue)
     * until one closes; the head deadline keeps connections that send nothing useful from holding it.
     */
    private static void guard(Server jetty, ServerConnector connector, ConnectionsConfig limits) {
        connector.addBean(new RequestDeadline(connector, limits.headerTimeout(), limits.minRequestRate()));
        if (limits.maxPerAddress() > 0) {
            connector.addBean(new AddressLimit(limits.maxPerAddress()));
        }
        if (limits.maxConnections() > 0) {
            jetty.addBean(new NetworkConnectionLimit(limits.maxConnections(), connector));
        }
    }

    public int port() {
        return connector.getLocalPort();
    }

    /** {@code http://host:port/}. */
    public URI uri() {
        String host = connector.getHost() == null ? "127.0.0.1" : connector.getHost();
        return URI.create("http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port() + "/");
    }

    /** Client connections the server holds open now. */
    public int openConnections() {
        return connector.getConnectedEndPoints().size();
    }

    public AnyRouter engine() {
        return anyRouter.engine();
    }

    public void join() throws InterruptedException {
        jetty.join();
    }

    @Override
    public void close() {
        stopQuietly(jetty);
    }

    private static void stopQuietly(Server jetty) {
        try {
            jetty.stop();
        } catch (Exception e) {
            throw new IllegalStateException("Jetty did not stop cleanly", e);
        }
    }
}
