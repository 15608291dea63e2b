package dev.anyrouter.upstream;

import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.WireApi;
import dev.anyrouter.config.Endpoint;
import dev.anyrouter.config.GatewayConfig;
import dev.anyrouter.config.LimitsConfig;
import dev.anyrouter.config.Secret;
import dev.anyrouter.config.UpstreamConfig;
import dev.anyrouter.routing.Route;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.client.InvocationCallback;
import jakarta.ws.rs.client.WebTarget;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.ConnectException;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.glassfish.jersey.client.ClientConfig;
import org.glassfish.jersey.media.sse.SseFeature;

/**
 * The Jersey client every upstream request goes through, on Jetty's {@link HttpClient} (see {@link JettyConnector}
 * for why). Timeouts: connect; response headers; and silence on an open connection (the same value), so a
 * stalled stream ends. A streamed body has no whole-call timeout. HTTP/2 where the upstream offers it
 * ({@link UpstreamTransport}): by ALPN over TLS, by prior knowledge to a provider set to h2c. {@link #close()} stops
 * every thread it started.
 */
public final class UpstreamClient implements AutoCloseable {

    /** The one {@code User-Agent} upstreams see. */
    static final String USER_AGENT = "AnyRouter";
    /**
     * The request property with the Jetty {@link HttpVersion} a request must go with ({@link JettyConnector}): set
     * to HTTP/2 for an h2c provider; absent, HTTP/1.1 over cleartext and whatever ALPN picks over TLS.
     */
    static final String HTTP_VERSION = "dev.anyrouter.upstream.httpVersion";

    /** The most threads of the client's pool (platform threads on JDK 17). */
    private static final int THREADS = 64;

    private final HttpClient http;
    private final Client client;
    private final Map<String, WebTarget> targets = new ConcurrentHashMap<>();
    private final LimitsConfig limits;

    public UpstreamClient(GatewayConfig config) {
        this.limits = config.limits();
        // Its tasks read what arrived and relay it without waiting: a few threads serve every stream.
        QueuedThreadPool threads = JettyPool.of("anyrouter-upstream", THREADS);
        threads.setDaemon(true);
        http = new HttpClient(UpstreamTransport.create(config.timeouts().firstByte()));
        http.setExecutor(threads);
        http.setConnectTimeout(config.timeouts().connect().toMillis());
        http.setIdleTimeout(config.timeouts().firstByte().toMillis());
        // Every open HTTP/1.1 stream holds a connection of its own; the relay threads bound how many there are.
        // HTTP/2 streams share connections all the same: the pool opens one only when the others are full.
        http.setMaxConnectionsPerDestination(Integer.MAX_VALUE);
        http.setMaxRequestsQueuedPerDestination(Integer.MAX_VALUE);
        http.setFollowRedirects(false);
        http.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, USER_AGENT));
        // Relay bytes as the upstream sent them: no transparent gzip decoding that could hold events back. Each
        // request also says so (Accept-Encoding: identity, in open()): with no Accept-Encoding at all, a server
        // may pick any coding.
        http.getContentDecoderFactories().clear();
        try {
            http.start();
        } catch (Exception e) {
            throw new IllegalStateException("the upstream HTTP client did not start", e);
        }
        ClientConfig clientConfig = new ClientConfig()
                .connectorProvider((jaxrs, runtime) -> new JettyConnector(http, config.timeouts().firstByte()))
                .register(SseFeature.class);
        // Jersey runs an asynchronous invocation's request stage on this executor: here, on the calling thread,
        // which returns once the connector has handed the request to Jetty (no hand-off to a thread of Jersey's).
        this.client = ClientBuilder.newBuilder().withConfig(clientConfig).executorService(new CallingThread()).build();
    }

    /**
     * Sends a request in the route's upstream API ({@link WireApi}: which headers carry the key) to {@code path}
     * (relative to the endpoint's base URL, from {@link WireApi#path}) of one of its endpoints and returns at once:
     * the call completes once the upstream's response headers arrived (on one of the client's threads), or fails.
     * {@code abort} aborts the exchange from any thread, in any phase.
     * Connect failures become 502, timeouts 504, the gateway's own failures ({@link LocalFailures}) 503.
     * {@code onSent} runs once the request has reached the upstream, its head written (from then on its prompt is
     * billed). {@code forwarded} are the client's headers this upstream receives, already checked; one the provider
     * sets itself is not added.
     */
    public CompletableFuture<UpstreamCall> open(Route route, String path, Endpoint endpoint, URI localBase,
            byte[] body, Map<String, String> forwarded, boolean stream, Runnable onSent, Abort abort) {
        UpstreamConfig upstream = route.upstream();
        URI base = endpoint.baseUri();
        URI resolved = base.isAbsolute() ? base : localBase.resolve(base);
        WireApi api = upstream.wire();
        String uri = resolved + "/" + path;
        // A path naming the model is not cached: a client may name any number of models.
        WebTarget target = api.pathNamesModel() ? client.target(uri) : targets.computeIfAbsent(uri, client::target);
        Invocation.Builder request = target
                .request(stream ? MediaType.SERVER_SENT_EVENTS_TYPE : MediaType.APPLICATION_JSON_TYPE)
                // Set here, Jersey adds no User-Agent of its own ("Jersey/3…") next to the client's
                .header(HttpHeaders.USER_AGENT, USER_AGENT)
                .header(HttpHeaders.ACCEPT_ENCODING, "identity");
        // The provider's own headers, then the key's: a configured header never replaces them (ProvidersConfig).
        Map<String, String> own = api.headers(endpoint.apiKey().map(Secret::reveal));
        upstream.headers().forEach(request::header);
        forwarded.forEach((name, value) -> {
            if (!named(upstream.headers(), name) && !named(own, name)) {
                request.header(name, value);
            }
        });
        own.forEach(request::header);
        UpstreamBody upstreamBody = stream ? new UpstreamBody(onSent, limits.maxEventBytes(), limits.maxStreamBytes())
                : new UpstreamBody(onSent, 0, 0);
        request.property(UpstreamBody.PROPERTY, upstreamBody);
        request.property(Abort.PROPERTY, abort);
        if (upstream.h2c()) {
            request.property(HTTP_VERSION, HttpVersion.HTTP_2); // prior knowledge: h2c has no negotiation
        }
        CompletableFuture<UpstreamCall> call = new CompletableFuture<>();
        request.async().post(Entity.entity(body, MediaType.APPLICATION_JSON_TYPE), new InvocationCallback<Response>() {
            @Override
            public void completed(Response response) {
                call.complete(new UpstreamCall(route, response, upstreamBody, stream));
            }

            @Override
            public void failed(Throwable e) {
                call.completeExceptionally(failure(route, e instanceof ProcessingException p ? p
                        : new ProcessingException(e.getMessage(), e)));
            }
        });
        return call;
    }

    private static boolean named(Map<String, String> headers, String name) {
        return headers.keySet().stream().anyMatch(name::equalsIgnoreCase);
    }

    static GatewayException failure(Route route, ProcessingException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        String provider = route.upstream().name();
        if (LocalFailures.local(e)) {
            // The gateway's own fault (out of file descriptors, memory, threads): not retried, not the upstream's.
            return GatewayException.upstream(503, ErrorTypes.OVERLOADED, "the gateway could not send the request to "
                    + "upstream '" + provider + "': it is out of local resources; try again", Optional.of("1"), e,
                    false);
        }
        if (UpstreamErrors.timeout(cause)) {
            return GatewayException.upstream(504, ErrorTypes.TIMEOUT,
                    "upstream '" + provider + "' did not answer in time", Optional.empty(), e, true);
        }
        if (cause instanceof ConnectException) {
            return GatewayException.upstream(502, ErrorTypes.UPSTREAM, "upstream '" + provider + "' is unreachable",
                    Optional.empty(), e, true);
        }
        return GatewayException.upstream(502, ErrorTypes.UPSTREAM, "upstream '" + provider + "' request failed",
                Optional.empty(), e, true);
    }

    @Override
    public void close() {
        client.close();
        try {
            http.stop();
        } catch (Exception e) {
            throw new IllegalStateException("the upstream HTTP client did not stop cleanly", e);
        }
    }
}
