package dev.anyrouter.relay;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.errors.GatewayException;
import dev.anyrouter.routing.Route;
import dev.anyrouter.upstream.UpstreamCall;
import dev.anyrouter.upstream.UpstreamErrors;
import java.io.IOException;
import java.net.URI;

/** One non-streamed completion: forwards the request, returns the upstream's JSON with our generation id. */
public final class Completion {

    private static final int BODY_LIMIT = 64 << 20;

    private final AnyRouter engine;
    private final Route route;
    private final URI localBase;
    private final byte[] body;
    private final Generation generation;

    public Completion(AnyRouter engine, Route route, URI localBase, byte[] body, Generation generation) {
        this.engine = engine;
        this.route = route;
        this.localBase = localBase;
        this.body = body;
        this.generation = generation;
    }

    /** Runs on a relay thread; upstream failures are thrown as the {@link GatewayException} the client gets. */
    public String run() {
        Generation.Outcome outcome = Generation.Outcome.FAILED;
        String error = null;
        engine.activeRelays().incrementAndGet();
        try (UpstreamCall call = engine.upstream().open(route, localBase, body, false)) {
            if (!call.ok()) {
                throw UpstreamErrors.of(call);
            }
            String json = call.text(BODY_LIMIT);
            Chunk completion = ChunkInspector.inspect(json);
            if (completion.error() != null) {
                throw GatewayException.upstream("upstream '" + route.upstream().name() + "' failed: "
                        + UpstreamErrors.sanitise(completion.error(), call), null);
            }
            generation.delivered(completion.text());
            generation.finishReason(completion.finishReason());
            generation.usage(completion.promptTokens(), completion.completionTokens());
            outcome = Generation.Outcome.COMPLETED;
            return completion.withId(json, generation.id());
        } catch (IOException e) {
            error = "upstream '" + route.upstream().name() + "' sent an unreadable completion";
            throw GatewayException.upstream(error, e);
        } catch (GatewayException e) {
            error = e.getMessage();
            throw e;
        } finally {
            engine.activeRelays().decrementAndGet();
            engine.generations().add(generation.end(outcome, error));
        }
    }
}
