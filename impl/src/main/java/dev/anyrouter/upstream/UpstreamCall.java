package dev.anyrouter.upstream;

import dev.anyrouter.routing.Route;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.glassfish.jersey.media.sse.EventInput;

/**
 * One upstream response. Closing it aborts the exchange, also from another thread while a relay thread is
 * blocked reading it: the blocked read then returns or throws, and the upstream connection is dropped.
 */
public final class UpstreamCall implements AutoCloseable {

    private final Route route;
    private final Response response;
    private final UpstreamBody body;

    UpstreamCall(Route route, Response response, UpstreamBody body) {
        this.route = route;
        this.response = response;
        this.body = body;
    }

    /** Why the body ended early, when the connection broke rather than the upstream finishing. */
    public Optional<IOException> bodyFailure() {
        return body.failure();
    }

    /**
     * Closes a stream that ended normally: the rest of the body (normally just its terminating chunk) may take
     * up to {@code wait} to arrive, so the connection serves the next request; otherwise it is aborted.
     */
    public void finish(Duration wait) {
        try {
            body.finish(wait);
        } catch (IOException e) {
            // the connection is gone either way; close() below releases what is left
        }
        response.close();
    }

    /** True when the whole next event is already here: reading it will not wait for the upstream. */
    public boolean eventBuffered() {
        return body.eventBuffered();
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
