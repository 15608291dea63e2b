package dev.anyrouter.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.accounting.CreditBudget;
import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.TokenCounter;
import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.errors.Refusal;
import dev.anyrouter.api.spi.Plan;
import dev.anyrouter.api.spi.WireApis;
import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.ops.AccessLog;
import dev.anyrouter.relay.JsonSink;
import dev.anyrouter.relay.Relay;
import dev.anyrouter.relay.SseSink;
import dev.anyrouter.relay.Target;
import dev.anyrouter.routing.Route;
import dev.anyrouter.store.ClientKey;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.math.BigDecimal;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.glassfish.jersey.server.ManagedAsync;

/**
 * {@code POST /api/v1/chat/completions} and {@code POST /api/v1/messages}. {@link RequestBodyFilter} has validated
 * the body and chosen the method; {@link RelayAdmissionFilter} has given the request its place among the relays,
 * which each method gives back. All run on a relay thread ({@code @ManagedAsync}), never a container thread,
 * because they block on the upstream; the streaming ones also hold the response until the upstream has answered
 * (see {@link SseSink}). {@link WireApis} plans how the request and answer cross between the client's
 * API and the upstream's.
 */
@Singleton
@Path("api/v1")
public final class CompletionsResource {

    static final String CHAT = "api/v1/chat/completions";
    static final String MESSAGES = "api/v1/messages";
    /** Both APIs' paths below {@code api/v1}: a method each for a stream and a JSON answer serves either. */
    private static final String PATHS = "{api: chat/completions|messages}";

    private final AnyRouter engine;

    @Inject
    public CompletionsResource(AnyRouter engine) {
        this.engine = engine;
    }

    /**
     * Where the container lets the client's connection be watched ({@link IdleDisconnects}), the relay holds the 200
     * longer while the upstream has not sent its first event, and the watch cancels it if the client leaves.
     */
    @POST
    @Path(PATHS)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @ManagedAsync
    @Relayed
    public void stream(@Context ContainerRequestContext request, @Context HttpServletRequest servlet,
            @Context HttpServletResponse response, @Context SseEventSink events, @Context Sse sse) {
        RequestState state = RequestState.of(request);
        RelayAdmissionFilter.Permit permit = state.relayPermit();
        try {
            Exchange exchange = exchange(state);
            SseSink sink = new SseSink(events, sse, state.flushHold(), engine.config().timeouts(), engine.writers(),
                    permit::release);
            Relay relay = new Relay(engine.relayContext(), localBase(servlet), exchange.targets(), sink,
                    exchange.generation());
            exchange.credit().ifPresent(credit -> exchange.generation().budget(credit, exchange.promptTokens(),
                    relay::creditSpent));
            whenEnded(state, relay);
            logAfter(state, exchange.generation());
            IdleDisconnects.Watch held = IdleDisconnects.of(servlet).watch(servlet, relay::clientGone);
            if (held.active()) {
                sink.watched(engine.config().timeouts().watchedGrace(), () -> {
                    if (!held.stop()) {
                        response.setHeader("Connection", "close"); // the watch read bytes of a pipelined request
                    }
                });
            }
            relay.run();
        } finally {
            permit.release();
        }
    }

    /**
     * Nothing is written before the answer, so the client's leaving is noticed by watching its connection
     * ({@link IdleDisconnects}) and, where a container reports it as the end of the async cycle, by {@link AsyncEnd}.
     */
    @POST
    @Path(PATHS)
    @Produces(MediaType.APPLICATION_JSON)
    @ManagedAsync
    @Relayed
    public Response complete(@Context ContainerRequestContext request, @Context HttpServletRequest servlet,
            @Context HttpServletResponse response) {
        RequestState state = RequestState.of(request);
        RelayAdmissionFilter.Permit permit = state.relayPermit();
        try {
            Exchange exchange = exchange(state);
            JsonSink sink = new JsonSink();
            Relay relay = new Relay(engine.relayContext(), localBase(servlet), exchange.targets(), sink,
                    exchange.generation());
            whenEnded(state, relay);
            logAfter(state, exchange.generation());
            IdleDisconnects.Watch watch = IdleDisconnects.of(servlet).watch(servlet, relay::clientGone);
            try {
                relay.run();
            } finally {
                if (!watch.stop()) {
                    response.setHeader("Connection", "close");
                }
            }
            String body = sink.answer();
            return Response.ok(body, MediaType.APPLICATION_JSON_TYPE).build();
        } finally {
            permit.release();
        }
    }

    /**
     * The models to try, in order, each with its upstream request and codec; the generation record; and for a
     * limited key, the credit reserved and the prompt tokens it was reserved for.
     */
    private record Exchange(List<Target> targets, Generation generation, Optional<CreditBudget> credit,
            long promptTokens) {
    }

    private Exchange exchange(RequestState state) {
        ClientRequest client = state.client();
        ClientKey key = state.key();
        if (engine.runningRelays().draining()) {
            throw GatewayException.refused(Refusal.DRAINING, 503, ErrorTypes.OVERLOADED,
                    "the gateway is shutting down; try again", Optional.of("1"));
        }
        List<Route> routes = engine.router().routes(client.model(), client.fallbacks(), client.fallbackField());
        engine.credit().checkLedger();
        engine.credit().check(key);
        engine.rateLimits().admit(key);
        String id = "gen-" + UUID.randomUUID().toString().replace("-", "");
        state.generationId(id);
        Generation generation = new Generation(id, key.id(), routes.get(0), client.stream(),
                engine.prices().of(routes.get(0).requestedModel()), client.api(), client.body());
        ObjectNode body = client.upstreamBody();
        List<Target> targets = new ArrayList<>();
        for (Route route : routes) {
            Plan plan = WireApis.plan(client.api(), route.upstream().wireApi(), body, route, generation);
            targets.add(new Target(route, plan.upstreamBody(), plan.codec(),
                    engine.prices().of(route.requestedModel())));
        }
        long promptTokens = key.limit().isEmpty() ? 0
                : TokenCounter.forModel(routes.get(0).upstreamModel()).prompt(client.api(), client.body());
        BigDecimal prompt = BigDecimal.ZERO;
        BigDecimal perToken = BigDecimal.ZERO;
        for (Target target : targets) { // the dearest model: any of them may serve
            prompt = prompt.max(target.price().cost(promptTokens, 0));
            perToken = perToken.max(target.price().completion());
        }
        Optional<CreditBudget> credit = engine.creditLimits().reserve(key, id, prompt, perToken, client.maxTokens(),
                client.stream());
        return new Exchange(targets, generation, credit, promptTokens);
    }

    /** The request's access-log line waits for the end of {@code generation}, which the relay run next ends. */
    private static void logAfter(RequestState state, Generation generation) {
        AccessLog.Entry entry = state.entry();
        if (entry != null) {
            entry.awaitGeneration(generation.id());
        }
    }

    /** Where the container reports the client's leaving as the end of the async cycle, the relay hears of it. */
    private static void whenEnded(RequestState state, Relay relay) {
        AsyncEnd end = state.asyncEnd();
        if (end != null) {
            end.onEnd(relay::clientGone);
        }
    }

    /**
     * The gateway's own root as reached from this machine, for upstreams it hosts itself (the simulator): the
     * context path plus the Jersey servlet's own path, when it is mounted under one ({@code /llm/*}).
     */
    private static URI localBase(HttpServletRequest servlet) {
        String host = servlet.getLocalAddr();
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]";
        }
        return URI.create(servlet.getScheme() + "://" + host + ":" + servlet.getLocalPort()
                + servlet.getContextPath() + servlet.getServletPath() + "/");
    }
}
