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
import java.util.Set;

/** Parses a simulator request (either API) and picks the streaming or JSON method by its {@code stream} flag. */
@PreMatching
final class SimulatorFilter implements ContainerRequestFilter {

    static final String PROPERTY = "dev.anyrouter.simulator.request";
    private static final Set<String> PATHS = Set.of("simulator/v1/chat/completions", "simulator/v1/messages");
    private static final int LIMIT = 16 << 20;

    @Override
    public void filter(ContainerRequestContext request) throws IOException {
        if (!HttpMethod.POST.equals(request.getMethod())
                || !PATHS.contains(request.getUriInfo().getPath())) {
            return;
        }
        JsonNode body;
        try (InputStream in = request.getEntityStream()) {
            body = Json.MAPPER.readTree(in.readNBytes(LIMIT));
        } catch (IOException e) {
            throw SimulatorResource.error(400, "request body is not valid JSON", messagesApi(request));
        }
        if (body == null || !body.isObject()) {
            throw SimulatorResource.error(400, "request body must be a JSON object", messagesApi(request));
        }
        request.setProperty(PROPERTY, body);
        request.getHeaders().putSingle(HttpHeaders.ACCEPT, body.path("stream").asBoolean(false)
                ? MediaType.SERVER_SENT_EVENTS : MediaType.APPLICATION_JSON);
    }

    private static boolean messagesApi(ContainerRequestContext request) {
        return request.getUriInfo().getPath().endsWith("/messages");
    }
}
