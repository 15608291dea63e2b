package dev.anyrouter.relay;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.routing.Lease;
import dev.anyrouter.routing.Route;
import dev.anyrouter.upstream.Abort;
import java.net.URI;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One upstream exchange that is not a generation, such as a Messages {@code count_tokens} request: no ledger row, no
 * retry, no fallback; one endpoint of the provider, its answer read whole. Like a relay, no thread waits for it: it
 * goes on as callbacks of the upstream client. An error answer becomes the client's error, as for a generation.
 */
public final class UnbilledCall {

    /** The largest answer read: a token count is a few bytes. */
    private static final int BODY_LIMIT = 1 << 20;

    private UnbilledCall() {
    }

    /**
     * Sends {@code body} to {@code path} of one of the route's endpoints, with the client's {@code headers} that
     * this upstream takes; completes with the answer's text, or fails with the client's error: a
     * {@link GatewayException} (wrapped in a {@code CompletionException}).
     */
    public static CompletableFuture<String> send(RelayContext context, URI localBase, Route route, String path,
            byte[] body, Map<String, String> headers) {
        Lease lease = context.endpoints().apply(route.upstream()).acquire(Set.of());
        // No codec and no price: the answer is read whole, and nothing is billed.
        Target target = new Target(route, path, body, headers, null, null);
        CompletableFuture<String> answer;
        try {
            answer = context.upstream().apply(localBase).open(target, lease.endpoint(), false, () -> { }, new Abort())
                    .thenCompose(UnbilledCall::read);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.handle((text, failure) -> {
            lease.close();
            if (failure == null) {
                return text;
            }
            Throwable cause = Completions.cause(failure);
            throw cause instanceof GatewayException e ? e : GatewayException.upstream("upstream '"
                    + route.provider() + "' request failed", cause);
        });
    }

    private static CompletableFuture<String> read(UpstreamStream call) {
        CompletableFuture<String> text = call.ok() ? call.text(BODY_LIMIT)
                : call.refusal().thenApply(refused -> {
                    throw refused.error();
                });
        return text.whenComplete((read, failure) -> call.close());
    }
}
