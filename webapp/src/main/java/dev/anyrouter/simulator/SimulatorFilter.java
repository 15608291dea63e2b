package dev.anyrouter.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anyrouter.auth.ApiKeys;
import dev.anyrouter.json.Json;
import dev.anyrouter.routing.Router;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.Set;

/**
 * Admits a simulator request (any of its APIs) only with the gateway's own simulator key
 * ({@link Router#SIMULATOR_KEY}, which its upstream client sends) or an enabled client key, as
 * {@code Authorization: Bearer …} or {@code x-api-key}, before reading its body: anything else is a JSON 401.
 * Then parses the body and picks the streaming or JSON method by its {@code stream} flag.
 */
@PreMatching
final class SimulatorFilter implements ContainerRequestFilter {

    static final String PROPERTY = "dev.anyrouter.simulator.request";
    private static final Set<String> PATHS = Set.of("simulator/v1/chat/completions", "simulator/v1/messages",
            "simulator/v1/embeddings", "simulator/v1/messages/count_tokens");
    private static final int LIMIT = 16 << 20;
    private static final String BEARER = "Bearer ";
    private static final byte[] OWN_KEY = Router.SIMULATOR_KEY.reveal().getBytes(StandardCharsets.UTF_8);

    private final ApiKeys keys;

    SimulatorFilter(ApiKeys keys) {
        this.keys = Objects.requireNonNull(keys, "keys");
    }

    @Override
    public void filter(ContainerRequestContext request) throws IOException {
        if (!HttpMethod.POST.equals(request.getMethod())
                || !PATHS.contains(request.getUriInfo().getPath())) {
            return;
        }
        if (!admitted(request)) {
            throw SimulatorResource.error(401, "the simulated upstream answers only the gateway itself or a client "
                    + "key (expected: Authorization: Bearer ar-… or x-api-key: ar-…)", messagesApi(request));
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

    private boolean admitted(ContainerRequestContext request) {
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        String key = header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())
                ? header.substring(BEARER.length()).trim() : request.getHeaderString("x-api-key");
        if (key == null || key.isBlank()) {
            return false;
        }
        if (MessageDigest.isEqual(OWN_KEY, key.trim().getBytes(StandardCharsets.UTF_8))) {
            return true;
        }
        return keys.find(key.trim()).filter(found -> !found.disabled()).isPresent();
    }

    private static boolean messagesApi(ContainerRequestContext request) {
        return request.getUriInfo().getPath().startsWith("simulator/v1/messages");
    }
}
