package dev.anyrouter.upstream;

import dev.anyrouter.routing.Route;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.glassfish.jersey.media.sse.EventInput;

/**
 * One upstream response. Closing it aborts the exchange, also from another thread while a relay thread is
 * blocked reading it: the blocked read then returns or throws, and the upstream connection is dropped.
 */
public final class UpstreamCall implements AutoCloseable {

    private final Route route;
    private final Response response;
    private final BodyFailure bodyFailure;

    UpstreamCall(Route route, Response response, BodyFailure bodyFailure) {
        this.route = route;
        this.response = response;
        this.bodyFailure = bodyFailure;
    }

    /** Why the body ended early, when the connection broke rather than the upstream finishing. */
    public Optional<IOException> bodyFailure() {
        return bodyFailure.get();
    }

    public Route route() {
        return route;
    }

    public int status() {
        return response.getStatus();
    }

    public boolean ok() {
        return response.getStatusInfo().getFamily() == Response.Status.Family.SUCCESSFUL;
    }

    /** The body as SSE events ({@code text/event-stream}). */
    public EventInput events() {
        return response.readEntity(EventInput.class);
    }

    /** At most {@code limit} bytes of the body as UTF-8 text; an error body or a non-streamed completion. */
    public String text(int limit) throws IOException {
        try (InputStream in = response.readEntity(InputStream.class)) {
            return new String(in.readNBytes(limit), StandardCharsets.UTF_8);
        }
    }

    public String header(String name) {
        return response.getHeaderString(name);
    }

    @Override
    public void close() {
        response.close();
    }
}
