package dev.anyrouter.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.accounting.TokenCounter;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.json.Json;
import dev.anyrouter.relay.UnbilledCall;
import dev.anyrouter.routing.Route;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.glassfish.jersey.server.ManagedAsync;

/**
 * {@code POST /api/v1/messages/count_tokens}: the Messages API's token count, {@code {"input_tokens": N}}, of a
 * Messages request without {@code max_tokens} ({@link MessagesRequest#counted}). A provider whose wire API counts
 * tokens itself (Anthropic's) is asked; for any other the gateway counts with its own tokenizer
 * ({@link TokenCounter}). {@value #HEADER} says which: {@code upstream} or {@code local}. It is no generation:
 * nothing is billed and no ledger row is written; it takes a relay place ({@link RelayAdmissionFilter}) and the
 * key's rate limit like any request, and runs on a relay thread ({@code @ManagedAsync}); the upstream's answer comes
 * back as a callback ({@link UnbilledCall}), no thread waiting for it (docs/decisions/held-response.md).
 */
@Singleton
@Path(CountTokensResource.PATH)
public final class CountTokensResource {

    static final String PATH = "api/v1/messages/count_tokens";
    /** The response header that says who counted. */
    static final String HEADER = "X-Token-Count";

    private final AnyRouter engine;

    @Inject
    public CountTokensResource(AnyRouter engine) {
        this.engine = engine;
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    @ManagedAsync
    @Relayed
    public void count(@Context ContainerRequestContext request, @Context HttpServletRequest servlet,
            @Suspended AsyncResponse async) {
        RequestState state = RequestState.of(request);
        RelayAdmissionFilter.Permit permit = state.relayPermit();
        try {
            ClientRequest client = state.client();
            state.planned();
            Admission.refuseWhileDraining(engine);
            Route route = engine.router().routes(client.model(), List.of(), client.fallbackField()).get(0);
            engine.rateLimits().admit(state.key());
            HeldAnswer held = new HeldAnswer(async, state.asyncEnd(), () -> { });
            Optional<String> path = route.upstream().wire().countTokensPath();
            if (path.isPresent()) {
                ask(CompletionsResource.localBase(servlet), route, path.get(), client, state.forwarded(), permit, held);
                permit.threadDone();
            } else {
                long tokens = TokenCounter.forModel(route.upstreamModel()).prompt(ClientApi.MESSAGES, client.body());
                permit.release();
                held.answer(answer(Json.write(Json.MAPPER.createObjectNode().put("input_tokens", tokens)), "local"));
            }
        } catch (RuntimeException | Error e) {
            permit.release();
            throw e;
        }
    }

    /** Asks the upstream and returns: its answer (or failure) answers the client, on the upstream client's thread. */
    private void ask(URI localBase, Route route, String path, ClientRequest client, Map<String, String> forwarded,
            RelayAdmissionFilter.Permit permit, HeldAnswer held) {
        ObjectNode body = client.upstreamBody().put("model", route.upstreamModel());
        UnbilledCall.send(engine.relayContext(), localBase, route, path,
                Json.write(body).getBytes(StandardCharsets.UTF_8),
                ForwardedHeaders.to(route.upstream().wire(), forwarded)).whenComplete((json, failure) -> {
                    permit.release();
                    try {
                        held.answer(answer(counted(route, json, failure), "upstream"));
                    } catch (GatewayException e) {
                        held.fail(e);
                    }
                });
    }

    /** The upstream's answer, when it is a count; else the client's error. */
    private static String counted(Route route, String json, Throwable failure) {
        if (failure != null) {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            throw cause instanceof GatewayException e ? e
                    : GatewayException.upstream("upstream '" + route.provider() + "' request failed", cause);
        }
        JsonNode count;
        try {
            count = Json.MAPPER.readTree(json);
        } catch (IOException e) {
            count = null;
        }
        if (count == null || !count.path("input_tokens").canConvertToLong()) {
            throw GatewayException.upstream("upstream '" + route.provider() + "' answered the token count with "
                    + "something the gateway cannot relay", null);
        }
        return json;
    }

    private static Response answer(String json, String counter) {
        return Response.ok(json, MediaType.APPLICATION_JSON_TYPE).header(HEADER, counter).build();
    }
}
