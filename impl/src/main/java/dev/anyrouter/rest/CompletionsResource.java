package dev.anyrouter.rest;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.api.spi.WireApis;
import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.ops.AccessLog;
import dev.anyrouter.relay.JsonSink;
import dev.anyrouter.relay.Relay;
import dev.anyrouter.relay.SseSink;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import java.net.URI;
import java.util.concurrent.atomic.AtomicReference;
import org.glassfish.jersey.server.ManagedAsync;

/**
 * {@code POST /api/v1/chat/completions}, {@code POST /api/v1/messages}, {@code POST /api/v1/responses} and
 * {@code POST /api/v1/embeddings}. {@link RequestBodyFilter} has validated
 * the body and chosen the method; {@link RelayAdmissionFilter} has given the request its place among the relays;
 * {@link Admission} admits it, planned, as a ticket given back as the request ends. Both run on a relay thread
 * ({@code @ManagedAsync}), never a container thread, as admission may wait on the database; they start the relay
 * and return, and the request stays open ({@code @Suspended}) until the relay answers it through {@link HeldAnswer}:
 * a stream's 200 at its first write (see {@link SseSink}, which holds it until the upstream has answered), a JSON
 * answer, or the status answer (docs/decisions/held-response.md). {@link WireApis} plans how the request and answer
 * cross between the client's API and the upstream's.
 */
@Singleton
@Path("api/v1")
public final class CompletionsResource {

    static final String CHAT = "api/v1/chat/completions";
    static final String MESSAGES = "api/v1/messages";
    static final String RESPONSES = "api/v1/responses";
    static final String EMBEDDINGS = "api/v1/embeddings";
    /**
     * The APIs' paths below {@code api/v1}: a method each for a stream and a JSON answer serves any of them
     * (embeddings are never streamed).
     */
    private static final String PATHS = "{api: chat/completions|messages|responses|embeddings}";

    private final AnyRouter engine;
    private final Admission admission;

    @Inject
    public CompletionsResource(AnyRouter engine) {
        this.engine = engine;
        this.admission = new Admission(engine);
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
            @Context HttpServletResponse response, @Suspended AsyncResponse async, @Context Sse sse) {
        RequestState state = RequestState.of(request);
        Admission.Ticket exchange = admission.admit(state);
        try {
            SseSink sink = new SseSink(new HeldAnswer(async, state.asyncEnd(), () -> { }), sse, state.clientOutput(),
                    engine.config().timeouts(), engine.keepAlives(),
                    exchange.permit()::release); // not the ticket: an open stream does not hold its targets' bodies
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
            relay.run(); // returns at once; the sink gives the ticket back as the stream ends
            exchange.threadDone();
        } catch (RuntimeException | Error e) {
            exchange.close();
            throw e;
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
    public void complete(@Context ContainerRequestContext request, @Context HttpServletRequest servlet,
            @Context HttpServletResponse response, @Suspended AsyncResponse async) {
        RequestState state = RequestState.of(request);
        Admission.Ticket exchange = admission.admit(state);
        try {
            AtomicReference<IdleDisconnects.Watch> watch = new AtomicReference<>(IdleDisconnects.UNWATCHED);
            JsonSink sink = new JsonSink(new HeldAnswer(async, state.asyncEnd(), () -> {
                if (!watch.get().stop()) {
                    response.setHeader("Connection", "close"); // the watch read bytes of a pipelined request
                }
            }), exchange::close);
            Relay relay = new Relay(engine.relayContext(), localBase(servlet), exchange.targets(), sink,
                    exchange.generation());
            whenEnded(state, relay);
            logAfter(state, exchange.generation());
            watch.set(IdleDisconnects.of(servlet).watch(servlet, relay::clientGone));
            relay.run(); // returns at once; the sink answers, and gives the ticket back, as the relay ends
            exchange.threadDone();
        } catch (RuntimeException | Error e) {
            exchange.close();
            throw e;
        }
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
    static URI localBase(HttpServletRequest servlet) {
        String host = servlet.getLocalAddr();
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]";
        }
        return URI.create(servlet.getScheme() + "://" + host + ":" + servlet.getLocalPort()
                + servlet.getContextPath() + servlet.getServletPath() + "/");
    }
}
