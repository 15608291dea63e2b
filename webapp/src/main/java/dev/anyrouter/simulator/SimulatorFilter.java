package dev.anyrouter.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anyrouter.engine.Json;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.InputStream;

/** Parses a simulator request and picks the streaming or JSON method by its {@code stream} flag, as OpenAI does. */
@PreMatching
final class SimulatorFilter implements ContainerRequestFilter {

    static final String PROPERTY = "dev.anyrouter.simulator.request";
    private static final int LIMIT = 16 << 20;

    @Override
    public void filter(ContainerRequestContext request) throws IOException {
        if (!HttpMethod.POST.equals(request.getMethod())
                || !request.getUriInfo().getPath().equals("simulator/v1/chat/completions")) {
            return;
        }
        JsonNode body;
        try (InputStream in = request.getEntityStream()) {
            body = Json.MAPPER.readTree(in.readNBytes(LIMIT));
        } catch (IOException e) {
            throw SimulatorResource.error(400, "request body is not valid JSON");
        }
        if (body == null || !body.isObject()) {
            throw SimulatorResource.error(400, "request body must be a JSON object");
        }
        request.setProperty(PROPERTY, body);
        request.getHeaders().putSingle(HttpHeaders.ACCEPT, body.path("stream").asBoolean(false)
                ? MediaType.SERVER_SENT_EVENTS : MediaType.APPLICATION_JSON);
    }
}
