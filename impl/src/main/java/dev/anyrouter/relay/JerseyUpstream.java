package dev.anyrouter.relay;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.upstream.SseEvent;
import dev.anyrouter.upstream.UpstreamCall;
import dev.anyrouter.upstream.UpstreamClient;
import dev.anyrouter.upstream.UpstreamErrors;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** An {@link UpstreamStream} on the gateway's Jersey client ({@link UpstreamClient}). */
final class JerseyUpstream implements UpstreamStream {

    private final UpstreamCall call;

    private JerseyUpstream(UpstreamCall call) {
        this.call = call;
    }

    /** Opens exchanges through {@code client}; a relative base URL is resolved against {@code localBase}. */
    static Opener opener(UpstreamClient client, URI localBase) {
        return (target, endpoint, stream, onSent, abort) -> client.open(target.route(), target.path(), endpoint,
                localBase, target.body(), target.headers(), stream, onSent, abort).thenApply(JerseyUpstream::new);
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
    public CompletableFuture<UpstreamErrors.Refused> refusal() {
        return UpstreamErrors.of(call);
    }

    @Override
    public SseEvent poll() {
        try {
            return call.poll();
        } catch (IOException e) {
            throw bodyFailure().orElseGet(() -> GatewayException.upstream("upstream '"
                    + call.route().upstream().name() + "' connection failed mid-stream", e));
        }
    }

    @Override
    public boolean ended() {
        return call.ended();
    }

    @Override
    public void onReady(Runnable wake) {
        call.onReady(wake);
    }

    @Override
    public CompletableFuture<String> text(int limit) {
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
