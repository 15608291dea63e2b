package dev.anyrouter.upstream;

import dev.anyrouter.routing.Route;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One upstream response. Closing it aborts the exchange, also from another thread, and the upstream connection is
 * dropped. A stream that was accepted keeps only its status and its body, not Jersey's response: an open stream
 * holds less.
 */
public final class UpstreamCall implements AutoCloseable {

    private final Route route;
    private final int status;
    /** Jersey's response, for an error body, its headers, or a whole answer; {@code null} for an accepted stream. */
    private final Response response;
    private final UpstreamBody body;

    UpstreamCall(Route route, Response response, UpstreamBody body, boolean stream) {
        this.route = route;
        this.status = response.getStatus();
        this.response = stream && successful(status) ? null : response;
        this.body = body;
    }

    private static boolean successful(int status) {
        return Response.Status.Family.familyOf(status) == Response.Status.Family.SUCCESSFUL;
    }

    /** Why the body ended early, when the connection broke rather than the upstream finishing. */
    public Optional<IOException> bodyFailure() {
        return body.failure();
    }

    /**
     * Closes a stream that ended normally: the rest of the body (normally just its terminating chunk) may take
     * up to {@code wait} to arrive, so the connection serves the next request; otherwise it is aborted. Returns at once.
     */
    public void finish(Duration wait) {
        body.reader().finish(wait);
    }

    /** The next whole event of a stream ({@code text/event-stream}) already here, or {@code null}. */
    public SseEvent poll() throws IOException {
        return body.reader().poll();
    }

    /** True once the stream's body ended and every event was taken. */
    public boolean ended() {
        return body.reader().ended();
    }

    /** Runs {@code wake} (on one of the client's threads) once more of the body arrived, or at once if it has. */
    public void onReady(Runnable wake) {
        body.reader().onReady(wake);
    }

    public Route route() {
        return route;
    }

    public int status() {
        return status;
    }

    public boolean ok() {
        return successful(status);
    }

    /**
     * At most {@code limit} bytes of the body as UTF-8 text, an error body or a non-streamed completion, read as it
     * arrives: no thread waits for it.
     */
    public CompletableFuture<String> text(int limit) {
        if (response == null) {
            throw new IllegalStateException("an accepted stream is read event by event");
        }
        return body.reader().readAll(limit).thenApply(bytes -> new String(bytes, StandardCharsets.UTF_8));
    }

    public String header(String name) {
        return response.getHeaderString(name);
    }

    @Override
    public void close() {
        if (response == null) {
            body.reader().close();
        } else {
            response.close();
        }
    }
}
