package dev.anyrouter.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.config.BodyLimitsConfig;
import dev.anyrouter.store.ClientKey;
import jakarta.annotation.Priority;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * Reads and validates a chat-completions, Messages, Responses, embeddings or {@code count_tokens} body (at most the
 * configured size, within {@link BodyLimits};
 * {@link GatewayFilter} has made its Content-Type JSON) and picks the resource method by the body's {@code stream}
 * flag: streaming requests go to the {@code SseEventSink} method, the rest to the JSON one. The client headers an
 * upstream may receive are checked here too ({@link ForwardedHeaders}). Any other body (the
 * admin API's) is held to the same size before its resource reads it. A key already over its credit limit is
 * refused (402) before its body is read.
 */
@PreMatching
@Priority(Priorities.ENTITY_CODER)
final class RequestBodyFilter implements ContainerRequestFilter {

    /** The checks of each path's body. */
    private static final Map<String, BiFunction<ObjectNode, String, ClientRequest>> CHECKS = Map.of(
            CompletionsResource.CHAT, ChatRequest::checked,
            CompletionsResource.MESSAGES, MessagesRequest::checked,
            CompletionsResource.RESPONSES, ResponsesRequest::checked,
            CompletionsResource.EMBEDDINGS, EmbeddingsRequest::checked,
            CountTokensResource.PATH, MessagesRequest::counted);

    private final long maxBodyBytes;
    private final BodyLimits limits;
    private final Consumer<ClientKey> creditCheck;

    /** @param creditCheck refuses a key over its credit limit, before its body is read (and waited for) */
    RequestBodyFilter(long maxBodyBytes, BodyLimitsConfig limits, Consumer<ClientKey> creditCheck) {
        this.maxBodyBytes = maxBodyBytes;
        this.limits = new BodyLimits(limits);
        this.creditCheck = creditCheck;
    }

    @Override
    public void filter(ContainerRequestContext request) throws IOException {
        String path = request.getUriInfo().getPath();
        boolean completion = HttpMethod.POST.equals(request.getMethod()) && CHECKS.containsKey(path);
        if (!completion) {
            if (declaresBody(request)) { // the admin API's bodies: the same limit, read here, handed on as read
                request.setEntityStream(new ByteArrayInputStream(read(request)));
            }
            return;
        }
        ClientKey key = AuthFilter.key(request);
        if (key != null) {
            creditCheck.accept(key); // a refused key's body is never read: a slow one would hold this thread
        }
        ClientRequest parsed = Fields.request(read(request), limits, CHECKS.get(path));
        RequestState.of(request).client(parsed, ForwardedHeaders.of(request.getHeaders()));
        request.getHeaders().putSingle(HttpHeaders.ACCEPT,
                parsed.stream() ? MediaType.SERVER_SENT_EVENTS : MediaType.APPLICATION_JSON);
    }

    /**
     * Whether the request says it has a body (a length above 0, or chunks). {@code hasEntity()} would read the
     * stream to find out, and on the embedded server a read of a bodiless GET that waited a second in a queue fails
     * the minimum request rate.
     */
    private static boolean declaresBody(ContainerRequestContext request) {
        return request.getLength() > 0 || request.getHeaderString("Transfer-Encoding") != null;
    }

    /** The whole body, at most {@code maxBodyBytes} of it (413 beyond). */
    private byte[] read(ContainerRequestContext request) {
        if (request.getLength() > maxBodyBytes) {
            throw tooLarge();
        }
        byte[] body;
        try (InputStream in = request.getEntityStream()) {
            body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
        } catch (IOException e) {
            throw GatewayException.badRequest("the request body could not be read to its end");
        } catch (RuntimeException e) {
            // The container refused the read (a WAR container timing a slow body out)
            throw GatewayException.invalid(408, ErrorTypes.TIMEOUT, "the request body arrived too slowly (expected: at "
                    + "least the server's minimum request rate)");
        }
        if (body.length > maxBodyBytes) {
            throw tooLarge();
        }
        return body;
    }

    private GatewayException tooLarge() {
        return GatewayException.invalid(413, ErrorTypes.REQUEST_TOO_LARGE,
                "request body is larger than " + maxBodyBytes + " bytes");
    }
}
