package dev.anyrouter.relay;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.upstream.UpstreamCall;
import dev.anyrouter.upstream.UpstreamClient;
import dev.anyrouter.upstream.UpstreamErrors;
import jakarta.ws.rs.ProcessingException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.glassfish.jersey.media.sse.EventInput;
import org.glassfish.jersey.media.sse.InboundEvent;

/** An {@link UpstreamStream} on the gateway's Jersey client ({@link UpstreamClient}). */
final class JerseyUpstream implements UpstreamStream {

    private final UpstreamCall call;
    private EventInput events;

    private JerseyUpstream(UpstreamCall call) {
        this.call = call;
    }

    /** Opens exchanges through {@code client}; a relative base URL is resolved against {@code localBase}. */
    static Opener opener(UpstreamClient client, URI localBase) {
        return (target, endpoint, stream, onSent, abort) -> new JerseyUpstream(
                client.open(target.route(), endpoint, localBase, target.body(), stream, onSent, abort));
    }

    @Override
    public int status() {
        return call.status();
    }

    @Override
    public boolean ok() {
        return call.ok();
    }

    @Override
    public UpstreamErrors.Refused refusal() {
        return UpstreamErrors.of(call);
    }

    @Override
    public Event next() {
        if (events == null) {
            events = call.events(); // not closed here: close() or finish() ends the body
        }
        try {
            InboundEvent event;
            do {
                event = events.read();
            } while (event != null && event.isEmpty()); // a comment or an empty event: our keep-alives cover it
            // The raw bytes, not readData(): that goes through a message body reader and a new buffer per event.
            return event == null ? null
                    : new Event(event.getName(), new String(event.getRawData(), StandardCharsets.UTF_8));
        } catch (ProcessingException | IllegalStateException | UncheckedIOException e) {
            throw bodyFailure().orElseGet(() -> GatewayException.upstream("upstream '"
                    + call.route().upstream().name() + "' connection failed mid-stream", e));
        }
    }

    @Override
    public boolean eventBuffered() {
        return call.eventBuffered();
    }

    @Override
    public String text(int limit) throws IOException {
        return call.text(limit);
    }

    @Override
    public Optional<GatewayException> bodyFailure() {
        return call.bodyFailure().map(e -> UpstreamErrors.brokenStream(call, e));
    }

    @Override
    public void finish(Duration wait) {
        call.finish(wait);
    }

    @Override
    public void close() {
        call.close();
    }
}
