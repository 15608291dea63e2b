package dev.anyrouter.simulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.engine.Json;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.concurrent.TimeUnit;

/**
 * {@code POST /simulator/v1/chat/completions}: the built-in OpenAI-compatible upstream. {@link SimulatorFilter}
 * has parsed the body and chosen the method by its {@code stream} flag.
 */
@Singleton
@Path("simulator/v1/chat/completions")
public final class SimulatorResource {

    private final Simulator simulator;

    @Inject
    public SimulatorResource(Simulator simulator) {
        this.simulator = simulator;
    }

    @POST
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public void stream(@Context ContainerRequestContext request, @Context SseEventSink sink, @Context Sse sse) {
        ObjectNode body = (ObjectNode) request.getProperty(SimulatorFilter.PROPERTY);
        Knobs knobs = simulator.knobs(body);
        failFast(knobs);
        Script script = Script.of(body, knobs);
        Answer answer = simulator.answer(body, script);
        boolean usage = body.path("stream_options").path("include_usage").asBoolean(false);
        new SimulatedStream(answer.chunks(usage), script.pieces().size(), knobs,
                answer.error("simulated upstream failure"), sink, sse, simulator.timer()).start();
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    public void complete(@Context ContainerRequestContext request, @Suspended AsyncResponse response) {
        ObjectNode body = (ObjectNode) request.getProperty(SimulatorFilter.PROPERTY);
        Knobs knobs = simulator.knobs(body);
        failFast(knobs);
        Script script = Script.of(body, knobs);
        String completion = simulator.answer(body, script).completion();
        simulator.timer().schedule(() -> response.resume(Response.ok(completion, MediaType.APPLICATION_JSON_TYPE)
                .build()), knobs.firstTokenMillis(), TimeUnit.MILLISECONDS);
    }

    private static void failFast(Knobs knobs) {
        if (knobs.failStatus() >= 400) {
            throw error(knobs.failStatus(), "simulated upstream error " + knobs.failStatus());
        }
    }

    static WebApplicationException error(int status, String message) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.putObject("error").put("message", message).put("type", status == 429 ? "rate_limit_exceeded"
                : status >= 500 ? "server_error" : "invalid_request_error").putNull("param").put("code", status);
        Response.ResponseBuilder response = Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Json.write(body));
        if (status == 429) {
            response.header("Retry-After", "1");
        }
        return new WebApplicationException(response.build());
    }
}
