package dev.anyrouter.relay;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.errors.GatewayException;
import dev.anyrouter.routing.Route;
import dev.anyrouter.translate.Translation;
import dev.anyrouter.upstream.UpstreamCall;
import dev.anyrouter.upstream.UpstreamErrors;
import java.io.IOException;
import java.net.URI;

/**
 * One non-streamed answer (chat completions or Messages): forwards the request and returns the upstream's JSON as
 * the request's {@link Translation} makes it for the client, with the generation id.
 */
public final class Completion {

    private static final int BODY_LIMIT = 64 << 20;

    private final AnyRouter engine;
    private final Route route;
    private final URI localBase;
    private final byte[] body;
    private final Generation generation;
    private final Translation translation;

    public Completion(AnyRouter engine, Route route, URI localBase, byte[] body, Generation generation,
            Translation translation) {
        this.engine = engine;
        this.route = route;
        this.localBase = localBase;
        this.body = body;
        this.generation = generation;
        this.translation = translation;
    }

    /** Runs on a relay thread; upstream failures are thrown as the {@link GatewayException} the client gets. */
    public String run() {
        Generation.Outcome outcome = Generation.Outcome.FAILED;
        String error = null;
        engine.activeRelays().incrementAndGet();
        try (UpstreamCall call = engine.upstream().open(route, localBase, body, false)) {
            generation.upstreamStatus(call.status());
            if (!call.ok()) {
                throw UpstreamErrors.of(call);
            }
            generation.accepted();
            String json = translation.completion(call.text(BODY_LIMIT));
            outcome = Generation.Outcome.COMPLETED;
            return json;
        } catch (IOException e) {
            error = "upstream '" + route.upstream().name() + "' sent an unreadable completion";
            throw GatewayException.upstream(error, e);
        } catch (GatewayException e) {
            error = e.getMessage();
            throw e;
        } finally {
            engine.activeRelays().decrementAndGet();
            engine.finished(generation.end(outcome, error));
        }
    }
}
