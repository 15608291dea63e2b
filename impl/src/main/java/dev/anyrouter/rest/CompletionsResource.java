package dev.anyrouter.rest;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.relay.Completion;
import dev.anyrouter.relay.FlushHold;
import dev.anyrouter.relay.StreamRelay;
import dev.anyrouter.routing.Route;
import dev.anyrouter.store.ClientKey;
import dev.anyrouter.translate.Translations;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.net.URI;
import java.util.UUID;
import org.glassfish.jersey.server.ManagedAsync;

/**
 * {@code POST /api/v1/chat/completions} and {@code POST /api/v1/messages}. {@link RequestBodyFilter} has validated
 * the body and chosen the method; {@link RelayAdmissionFilter} has given the request its place among the relays,
 * which each method gives back. All run on a relay thread ({@code @ManagedAsync}), never a container thread,
 * because they block on the upstream; the streaming ones also hold the response until the upstream has answered
 * (see {@link StreamRelay}). {@link Translations} plans how the request and answer cross between the client's
 * API and the upstream's.
 */
@Singleton
@Path("api/v1")
public final class CompletionsResource {

    static final String CHAT = "api/v1/chat/completions";
    static final String MESSAGES = "api/v1/messages";

    private final AnyRouter engine;

    @Inject
    public CompletionsResource(AnyRouter engine) {
        this.engine = engine;
    }

    @POST
    @Path("chat/completions")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @ManagedAsync
    @Relayed
    public void streamChat(@Context ContainerRequestContext request, @Context HttpServletRequest servlet,
            @Context SseEventSink sink, @Context Sse sse) {
        stream(request, servlet, sink, sse);
    }

    @POST
    @Path("chat/completions")
    @Produces(MediaType.APPLICATION_JSON)
    @ManagedAsync
    @Relayed
    public Response completeChat(@Context ContainerRequestContext request, @Context HttpServletRequest servlet) {
        return complete(request, servlet);
    }

    @POST
    @Path("messages")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @ManagedAsync
    @Relayed
    public void streamMessages(@Context ContainerRequestContext request, @Context HttpServletRequest servlet,
            @Context SseEventSink sink, @Context Sse sse) {
        stream(request, servlet, sink, sse);
    }

    @POST
    @Path("messages")
    @Produces(MediaType.APPLICATION_JSON)
    @ManagedAsync
    @Relayed
    public Response completeMessages(@Context ContainerRequestContext request,
            @Context HttpServletRequest servlet) {
        return complete(request, servlet);
    }

    private void stream(ContainerRequestContext request, HttpServletRequest servlet, SseEventSink sink, Sse sse) {
        RelayAdmissionFilter.Permit permit = RelayAdmissionFilter.permit(request);
        try {
            Exchange exchange = exchange(request);
            StreamRelay relay = new StreamRelay(engine, exchange.route(), localBase(servlet),
                    exchange.plan().upstreamBody(), sink, sse, (FlushHold) servlet.getAttribute(FlushBatching.HOLD),
                    exchange.generation(), exchange.plan().translation());
            AsyncEnd.Watch watch = AsyncEnd.of(servlet);
            if (watch != null) {
                watch.onEnd(relay::cancel);
            }
            relay.run();
        } finally {
            permit.release();
        }
    }

    private Response complete(ContainerRequestContext request, HttpServletRequest servlet) {
        RelayAdmissionFilter.Permit permit = RelayAdmissionFilter.permit(request);
        try {
            Exchange exchange = exchange(request);
            String body = new Completion(engine, exchange.route(), localBase(servlet), exchange.plan().upstreamBody(),
                    exchange.generation(), exchange.plan().translation()).run();
            return Response.ok(body, MediaType.APPLICATION_JSON_TYPE).build();
        } finally {
            permit.release();
        }
    }

    /** Where a request goes, its generation record, and how it crosses to the upstream's API. */
    private record Exchange(Route route, Generation generation, Translations.Plan plan) {
    }

    private Exchange exchange(ContainerRequestContext request) {
        ClientRequest client = (ClientRequest) request.getProperty(ClientRequest.PROPERTY);
        ClientKey key = AuthFilter.key(request);
        Route route = engine.router().route(client.model());
        engine.checkCredit(key);
        String id = "gen-" + UUID.randomUUID().toString().replace("-", "");
        request.setProperty(StreamHeadersFilter.GENERATION_ID, id);
        Generation generation = new Generation(id, key.id(), route, client.stream(),
                engine.prices().of(client.model()), client.api(), client.body());
        return new Exchange(route, generation, Translations.plan(client.api(), client.body(), route, generation));
    }

    /** The gateway's own root as reached from this machine, for upstreams it hosts itself (the simulator). */
    private static URI localBase(HttpServletRequest servlet) {
        String host = servlet.getLocalAddr();
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]";
        }
        return URI.create(servlet.getScheme() + "://" + host + ":" + servlet.getLocalPort()
                + servlet.getContextPath() + "/");
    }
}
