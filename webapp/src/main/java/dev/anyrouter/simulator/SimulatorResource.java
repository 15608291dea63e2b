package dev.anyrouter.simulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.MessagesError;
import dev.anyrouter.json.Json;
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
import java.util.List;

/**
 * {@code POST /simulator/v1/chat/completions} and {@code POST /simulator/v1/messages}: the built-in upstream, in
 * OpenAI's and Anthropic's APIs; with {@code POST /simulator/v1/embeddings} and
 * {@code POST /simulator/v1/messages/count_tokens}, which answer at once (after the knobs' first-token delay).
 * {@link SimulatorFilter} has parsed the body and chosen the method by its {@code stream} flag.
 */
@Singleton
@Path("simulator/v1")
public final class SimulatorResource {

    private static final String FAILURE = "simulated upstream failure";

    private final Simulator simulator;

    @Inject
    public SimulatorResource(Simulator simulator) {
        this.simulator = simulator;
    }

    @POST
    @Path("chat/completions")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public void streamChat(@Context ContainerRequestContext request, @Context SseEventSink sink, @Context Sse sse) {
        ObjectNode body = (ObjectNode) request.getProperty(SimulatorFilter.PROPERTY);
        Knobs knobs = knobs(body, false);
        Script script = Script.of(body, knobs);
        Answer answer = simulator.answer(body, script);
        boolean usage = body.path("stream_options").path("include_usage").asBoolean(false);
        List<SimulatedStream.Event> events = answer.chunks(usage).stream()
                .map(data -> new SimulatedStream.Event(null, data)).toList();
        new SimulatedStream(events, 1, script.pieces().size(), knobs,
                new SimulatedStream.Event(null, answer.error(FAILURE)), sink, sse, simulator).start();
    }

    @POST
    @Path("chat/completions")
    @Produces(MediaType.APPLICATION_JSON)
    public void completeChat(@Context ContainerRequestContext request, @Suspended AsyncResponse response) {
        ObjectNode body = (ObjectNode) request.getProperty(SimulatorFilter.PROPERTY);
        Knobs knobs = knobs(body, false);
        answerLater(response, simulator.answer(body, Script.of(body, knobs)).completion(), knobs);
    }

    @POST
    @Path("messages")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public void streamMessages(@Context ContainerRequestContext request, @Context SseEventSink sink,
            @Context Sse sse) {
        ObjectNode body = (ObjectNode) request.getProperty(SimulatorFilter.PROPERTY);
        Knobs knobs = knobs(body, true);
        Script script = Script.of(body, knobs);
        MessagesAnswer answer = simulator.messagesAnswer(body, script);
        new SimulatedStream(answer.events(), MessagesAnswer.LEAD, script.pieces().size(), knobs,
                answer.error(FAILURE), sink, sse, simulator).start();
    }

    @POST
    @Path("messages")
    @Produces(MediaType.APPLICATION_JSON)
    public void completeMessages(@Context ContainerRequestContext request, @Suspended AsyncResponse response) {
        ObjectNode body = (ObjectNode) request.getProperty(SimulatorFilter.PROPERTY);
        Knobs knobs = knobs(body, true);
        answerLater(response, simulator.messagesAnswer(body, Script.of(body, knobs)).completion(), knobs);
    }

    @POST
    @Path("embeddings")
    @Produces(MediaType.APPLICATION_JSON)
    public void embeddings(@Context ContainerRequestContext request, @Suspended AsyncResponse response) {
        ObjectNode body = (ObjectNode) request.getProperty(SimulatorFilter.PROPERTY);
        Knobs knobs = knobs(body, false);
        String answer;
        try {
            answer = simulator.embeddings(body);
        } catch (IllegalArgumentException e) {
            throw error(400, e.getMessage(), false);
        }
        answerLater(response, answer, knobs);
    }

    @POST
    @Path("messages/count_tokens")
    @Produces(MediaType.APPLICATION_JSON)
    public void countTokens(@Context ContainerRequestContext request, @Suspended AsyncResponse response) {
        ObjectNode body = (ObjectNode) request.getProperty(SimulatorFilter.PROPERTY);
        Knobs knobs = knobs(body, true);
        answerLater(response, Json.write(Json.MAPPER.createObjectNode().put("input_tokens",
                simulator.promptTokens(body))), knobs);
    }

    private void answerLater(AsyncResponse response, String json, Knobs knobs) {
        simulator.later(() -> response.resume(Response.ok(json, MediaType.APPLICATION_JSON_TYPE).build()),
                knobs.firstTokenMillis(), () -> response.resume(Response.status(503).build()));
    }

    /** The request's knobs; a knob out of its range is a 400, and {@code fail_status} answers with that error. */
    private Knobs knobs(ObjectNode body, boolean messagesApi) {
        Knobs knobs;
        try {
            knobs = simulator.knobs(body);
        } catch (IllegalArgumentException e) {
            throw error(400, e.getMessage(), messagesApi);
        }
        failFast(knobs, messagesApi);
        return knobs;
    }

    private static void failFast(Knobs knobs, boolean messagesApi) {
        if (knobs.failStatus() >= 400) {
            throw error(knobs.failStatus(), "simulated upstream error " + knobs.failStatus(), messagesApi);
        }
    }

    /** An error answer in the API's own shape, as the real providers send them. */
    static WebApplicationException error(int status, String message, boolean messagesApi) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        if (messagesApi) {
            body.put("type", "error").putObject("error").put("type", MessagesError.type(status))
                    .put("message", message);
        } else {
            body.putObject("error").put("message", message).put("type", status == 429 ? "rate_limit_exceeded"
                    : status >= 500 ? "server_error" : "invalid_request_error").putNull("param").put("code", status);
        }
        Response.ResponseBuilder response = Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Json.write(body));
        if (status == 429) {
            response.header("Retry-After", "1");
        }
        return new WebApplicationException(response.build());
    }
}
