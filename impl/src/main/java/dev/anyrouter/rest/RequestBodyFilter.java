package dev.anyrouter.rest;

import dev.anyrouter.api.ErrorTypes;
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
 * Reads and validates a chat-completions body (at most the configured size; {@link JsonBodies} has made its
 * Content-Type JSON) and picks the resource method by the body's {@code stream} flag: streaming
 * requests go to the {@code SseEventSink} method, the rest to the JSON one.
 */
@PreMatching
@Priority(Priorities.ENTITY_CODER)
final class ChatRequestFilter implements ContainerRequestFilter {

    private final long maxBodyBytes;

    ChatRequestFilter(long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void filter(ContainerRequestContext request) throws IOException {
        if (!HttpMethod.POST.equals(request.getMethod())
                || !request.getUriInfo().getPath().equals("api/v1/chat/completions")) {
            return;
        }
        if (request.getLength() > maxBodyBytes) {
            throw tooLarge();
        }
        byte[] body;
        try (InputStream in = request.getEntityStream()) {
            body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
        }
        if (body.length > maxBodyBytes) {
            throw tooLarge();
        }
        ChatRequest chat = ChatRequest.parse(body);
        request.setProperty(ChatRequest.PROPERTY, chat);
        request.getHeaders().putSingle(HttpHeaders.ACCEPT,
                chat.stream() ? MediaType.SERVER_SENT_EVENTS : MediaType.APPLICATION_JSON);
    }

    private GatewayException tooLarge() {
        return new GatewayException(413, ErrorTypes.REQUEST_TOO_LARGE,
                "request body is larger than " + maxBodyBytes + " bytes");
    }
}
