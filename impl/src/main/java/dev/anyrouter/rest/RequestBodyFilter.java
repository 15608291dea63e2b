package dev.anyrouter.rest;

import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.config.BodyLimitsConfig;
import dev.anyrouter.errors.GatewayException;
import jakarta.annotation.Priority;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads and validates a chat-completions or Messages body (at most the configured size, within {@link BodyLimits};
 * {@link JsonBodies} has made its Content-Type JSON) and picks the resource method by the body's {@code stream}
 * flag: streaming requests go to the {@code SseEventSink} method, the rest to the JSON one.
 */
@PreMatching
@Priority(Priorities.ENTITY_CODER)
final class RequestBodyFilter implements ContainerRequestFilter {

    private final long maxBodyBytes;
    private final BodyLimits limits;

    RequestBodyFilter(long maxBodyBytes, BodyLimitsConfig limits) {
        this.maxBodyBytes = maxBodyBytes;
        this.limits = new BodyLimits(limits);
    }

    @Override
    public void filter(ContainerRequestContext request) throws IOException {
        String path = request.getUriInfo().getPath();
        if (!HttpMethod.POST.equals(request.getMethod())
                || !path.equals(CompletionsResource.CHAT) && !path.equals(CompletionsResource.MESSAGES)) {
            return;
        }
        if (request.getLength() > maxBodyBytes) {
            throw tooLarge();
        }
        byte[] body;
        try (InputStream in = request.getEntityStream()) {
            body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
        } catch (IOException e) {
            throw GatewayException.badRequest("the request body could not be read to its end");
        }
        if (body.length > maxBodyBytes) {
            throw tooLarge();
        }
        ClientRequest parsed = path.equals(CompletionsResource.CHAT) ? ChatRequest.parse(body, limits)
                : MessagesRequest.parse(body, limits);
        request.setProperty(ClientRequest.PROPERTY, parsed);
        request.getHeaders().putSingle(HttpHeaders.ACCEPT,
                parsed.stream() ? MediaType.SERVER_SENT_EVENTS : MediaType.APPLICATION_JSON);
    }

    private GatewayException tooLarge() {
        return new GatewayException(413, ErrorTypes.REQUEST_TOO_LARGE,
                "request body is larger than " + maxBodyBytes + " bytes");
    }
}
