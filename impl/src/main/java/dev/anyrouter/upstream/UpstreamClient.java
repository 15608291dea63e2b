package dev.anyrouter.upstream;

import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.config.GatewayConfig;
import dev.anyrouter.errors.GatewayException;
import dev.anyrouter.routing.Route;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.util.Optional;
import org.glassfish.jersey.client.ClientConfig;
import org.glassfish.jersey.client.ClientProperties;
import org.glassfish.jersey.jnh.connector.JavaNetHttpConnector;
import org.glassfish.jersey.jnh.connector.JavaNetHttpConnectorProvider;
import org.glassfish.jersey.media.sse.SseFeature;

/**
 * The Jersey client every upstream request goes through. It uses the JDK HttpClient connector because that one
 * streams and lets another thread abort a read that is blocked waiting for the next upstream byte.
 * Timeouts: connect, and response headers ({@code READ_TIMEOUT} maps to the JDK request timeout, which ends
 * when the headers arrive); a streamed body has no whole-call timeout.
 */
public final class UpstreamClient implements AutoCloseable {

    private final Client client;

    public UpstreamClient(GatewayConfig config) {
        ClientConfig clientConfig = new ClientConfig()
                .connectorProvider(new JavaNetHttpConnectorProvider())
                .property(ClientProperties.CONNECT_TIMEOUT, (int) config.connectTimeout().toMillis())
                .property(ClientProperties.READ_TIMEOUT, (int) config.firstByteTimeout().toMillis())
                .property(ClientProperties.FOLLOW_REDIRECTS, false)
                .register(SseFeature.class);
        this.client = ClientBuilder.newClient(clientConfig);
    }

    /**
     * Sends a chat-completions request and returns once the upstream's response headers arrived. Blocks the
     * calling relay thread; interrupting it cancels the exchange. Connect failures and header timeouts become
     * 502 and 504.
     */
    public UpstreamCall open(Route route, URI localBase, byte[] body, boolean stream) {
        URI base = route.upstream().baseUri();
        URI resolved = base.isAbsolute() ? base : localBase.resolve(base);
        Invocation.Builder request = client.target(resolved + "/chat/completions")
                .request(stream ? MediaType.SERVER_SENT_EVENTS_TYPE : MediaType.APPLICATION_JSON_TYPE);
        route.upstream().apiKey().ifPresent(key -> request.header(HttpHeaders.AUTHORIZATION, "Bearer " + key.reveal()));
        try {
            Response response = request.post(Entity.entity(body, MediaType.APPLICATION_JSON_TYPE));
            return new UpstreamCall(route, response);
        } catch (ProcessingException e) {
            throw failure(route, e);
        }
    }

    private static GatewayException failure(Route route, ProcessingException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        String provider = route.upstream().name();
        if (cause instanceof HttpTimeoutException) {
            return new GatewayException(504, ErrorTypes.TIMEOUT,
                    "upstream '" + provider + "' did not answer in time", Optional.empty(), e);
        }
        if (cause instanceof ConnectException) {
            return GatewayException.upstream("upstream '" + provider + "' is unreachable", e);
        }
        return GatewayException.upstream("upstream '" + provider + "' request failed", e);
    }

    @Override
    public void close() {
        HttpClient http = null;
        if (client.getConfiguration() instanceof ClientConfig config
                && config.getConnector() instanceof JavaNetHttpConnector connector) {
            http = connector.getHttpClient();
        }
        client.close();
        // The connector leaves its HttpClient open; from JDK 21 it can be closed, which stops its selector thread.
        if (http instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the upstream HttpClient failed", e);
            }
        }
    }
}
