package dev.anyrouter.rest;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.relay.ChatStream;
import dev.anyrouter.relay.Completion;
import dev.anyrouter.routing.Route;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
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
 * {@code POST /api/v1/chat/completions}. {@link ChatRequestFilter} has validated the body and chosen the method;
 * {@link RelayAdmissionFilter} has given the request its place among the relays, which each method gives back.
 * Both run on a relay thread ({@code @ManagedAsync}), never a container thread, because they block on the
 * upstream; the streaming one also holds the response until the upstream has answered (see {@link ChatStream}).
 */
@Singleton
@Path("api/v1/chat/completions")
public final class ChatCompletionsResource {

    private final AnyRouter engine;

    @Inject
    public ChatCompletionsResource(AnyRouter engine) {
        this.engine = engine;
    }

    @POST
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @ManagedAsync
    @Relayed
    public void stream(@Context ContainerRequestContext request, @Context HttpServletRequest servlet,
            @Context SseEventSink sink, @Context Sse sse) {
        RelayAdmissionFilter.Permit permit = RelayAdmissionFilter.permit(request);
        try {
            ChatRequest chat = (ChatRequest) request.getProperty(ChatRequest.PROPERTY);
            Route route = engine.router().route(chat.model());
            Generation generation = newGeneration(request, chat, route);
            ChatStream stream = new ChatStream(engine, route, localBase(servlet), chat.upstreamBody(route), sink,
                    sse, generation);
            servlet.getAsyncContext().addListener(new Disconnect(stream));
            stream.run();
        } finally {
            permit.release();
        }
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    @ManagedAsync
    @Relayed
    public Response complete(@Context ContainerRequestContext request, @Context HttpServletRequest servlet) {
        RelayAdmissionFilter.Permit permit = RelayAdmissionFilter.permit(request);
        try {
            ChatRequest chat = (ChatRequest) request.getProperty(ChatRequest.PROPERTY);
            Route route = engine.router().route(chat.model());
            Generation generation = newGeneration(request, chat, route);
            String body = new Completion(engine, route, localBase(servlet), chat.upstreamBody(route), generation)
                    .run();
            return Response.ok(body, MediaType.APPLICATION_JSON_TYPE).build();
        } finally {
            permit.release();
        }
    }

    private static Generation newGeneration(ContainerRequestContext request, ChatRequest chat, Route route) {
        String id = "gen-" + UUID.randomUUID().toString().replace("-", "");
        request.setProperty(StreamHeadersFilter.GENERATION_ID, id);
        return new Generation(id, chat.model(), route.upstream().name(), chat.stream());
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

    /** The container ended the exchange (Jetty reports a vanished client as complete, Tomcat as an error). */
    private record Disconnect(ChatStream stream) implements AsyncListener {

        @Override
        public void onComplete(AsyncEvent event) {
            stream.cancel();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            stream.cancel();
        }

        @Override
        public void onError(AsyncEvent event) {
            stream.cancel();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this);
        }
    }
}
