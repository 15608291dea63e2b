package dev.anyrouter.bench;

import java.net.URI;
import java.util.concurrent.Callable;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The byte-proxy baseline AnyRouter is measured against: Jetty's own non-blocking reverse proxy
 * ({@link ProxyHandler.Reverse}, a server handler and an HttpClient), relaying every request to one upstream and
 * passing the response on chunk by chunk as it arrives, without parsing it. Each upstream chunk is written to the
 * client before the next is demanded, so server-sent events are not held back, and upstream connections are
 * pooled and kept alive. The benchmark runs it in a JVM of its own; it prints the line the benchmark waits for
 * ({@code … is listening on http://127.0.0.1:PORT/}), like the gateway.
 */
@Command(name = "byte-proxy", mixinStandardHelpOptions = true,
        description = "A minimal Jetty reverse proxy, the benchmark's byte-proxy baseline.")
public final class ByteProxy implements Callable<Integer> {

    /** Connections to the upstream, and requests waiting for one: more than any benchmark step opens at once. */
    private static final int MAX_UPSTREAM = 20_000;
    /**
     * Idle time after which an upstream connection is closed: shorter than the simulator's own (Jetty's default,
     * 30 s), so that the proxy never sends a request on a connection the upstream is closing. (The benchmark's
     * client does the same, see {@link LoadClient}.)
     */
    private static final long UPSTREAM_IDLE_MILLIS = 20_000;

    @Option(names = "--upstream", required = true, description = "Base URL requests are relayed to, e.g. "
            + "http://127.0.0.1:8080 (the request's path and query are appended).")
    private URI upstream;

    @Option(names = "--port", description = "Port on 127.0.0.1 (default: ${DEFAULT-VALUE}, any free port).")
    private int port;

    public static void main(String[] args) {
        int exit = new CommandLine(new ByteProxy()).execute(args);
        if (exit != 0) {
            System.exit(exit);
        }
    }

    @Override
    public Integer call() throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("proxy-server");
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        connector.setAcceptQueueSize(4096); // bursts of 1,000 connections, as the gateway's listen queue
        server.addConnector(connector);
        String base = upstream.toString().replaceAll("/+$", "");
        server.setHandler(new ProxyHandler.Reverse(r -> HttpURI.build(base + r.getHttpURI().getPathQuery())) {
            @Override
            protected void configureHttpClient(HttpClient client) {
                super.configureHttpClient(client);
                client.setMaxConnectionsPerDestination(MAX_UPSTREAM);
                client.setMaxRequestsQueuedPerDestination(MAX_UPSTREAM);
                client.setIdleTimeout(UPSTREAM_IDLE_MILLIS);
            }
        });
        server.start();
        System.out.println("Byte proxy is listening on http://127.0.0.1:" + connector.getLocalPort() + "/");
        server.join();
        return 0;
    }
}
