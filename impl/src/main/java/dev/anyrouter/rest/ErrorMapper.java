package dev.anyrouter.rest;

import dev.anyrouter.api.ErrorBody;
import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.MessagesError;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.json.Json;
import dev.anyrouter.ops.Metrics;
import dev.anyrouter.store.StoreException;
import jakarta.inject.Provider;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.UUID;
import org.glassfish.jersey.server.ContainerRequest;

/**
 * Every error becomes a JSON body with its real status: on {@code /api/v1/messages} (and its {@code count_tokens})
 * the Messages API's shape
 * ({@link MessagesError}), everywhere else {@code {"error":{"code","message","type"}}} ({@link ErrorBody}).
 * Unexpected failures are logged once with a random id, and only the id reaches the client. Every refusal passes
 * through here, whichever filter or check decided it, so this is where {@link Metrics} counts them.
 */
final class ErrorMapper implements ExceptionMapper<Throwable> {

    private static final System.Logger LOG = System.getLogger(ErrorMapper.class.getName());

    // A Provider, not a UriInfo proxy: HK2 cannot build request-scoped proxies inside a WAR's class loader.
    @Context
    private Provider<ContainerRequest> request;

    private final Metrics metrics;

    ErrorMapper(Metrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public Response toResponse(Throwable failure) {
        if (failure instanceof GatewayException e) {
            e.refusal().ifPresent(metrics::refusal);
            Response.ResponseBuilder response = json(e.status(), e.type(), e.getMessage());
            e.retryAfter().ifPresent(value -> response.header("Retry-After", value));
            if (e.retried()) {
                response.header("x-should-retry", "false"); // honoured by the OpenAI and Anthropic SDKs
            }
            return response.build();
        }
        if (failure instanceof StoreException e) {
            LOG.log(System.Logger.Level.WARNING, "storage unavailable: " + e.getMessage());
            return json(503, ErrorTypes.OVERLOADED, "the gateway's key store is unavailable; try again shortly")
                    .header("Retry-After", "1").build();
        }
        if (failure instanceof WebApplicationException e) {
            Response original = e.getResponse();
            Response.ResponseBuilder response = json(original.getStatus(), type(original.getStatus()),
                    message(original));
            original.getHeaders().forEach((name, values) -> {
                if (!name.equalsIgnoreCase("Content-Type")) {
                    values.forEach(value -> response.header(name, value));
                }
            });
            return response.build();
        }
        String id = UUID.randomUUID().toString();
        LOG.log(System.Logger.Level.ERROR, "internal error " + id, failure);
        return json(500, ErrorTypes.SERVER, "internal error (id: " + id + ")").build();
    }

    private Response.ResponseBuilder json(int status, String type, String message) {
        Object body = messagesApi() ? MessagesError.of(status, message) : ErrorBody.of(status, type, message);
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(Json.write(body));
    }

    private boolean messagesApi() {
        ContainerRequest current = request == null ? null : request.get();
        String path = current == null ? null : current.getUriInfo().getPath();
        return CompletionsResource.MESSAGES.equals(path) || CountTokensResource.PATH.equals(path);
    }

    /** A 404's message: the path asked for and the API's base URL, which a client may have got wrong. */
    private String notFound() {
        ContainerRequest current = request == null ? null : request.get();
        if (current == null) {
            return "no such endpoint";
        }
        String base = current.getBaseUri() + "api/v1";
        String path = current.getPath(false);
        path = path.length() > 200 ? path.substring(0, 200) + "..." : path;
        return "no such endpoint: " + current.getMethod() + " /" + path + " (the API's"
                + " base URL is " + base + " or " + current.getBaseUri() + "v1, e.g. POST " + base
                + "/chat/completions, /messages or /responses)";
    }

    private static String type(int status) {
        return switch (status) {
            case 401, 403 -> ErrorTypes.AUTHENTICATION;
            case 404 -> ErrorTypes.NOT_FOUND;
            default -> status >= 500 ? ErrorTypes.SERVER : ErrorTypes.INVALID_REQUEST;
        };
    }

    private String message(Response response) {
        return switch (response.getStatus()) {
            case 404 -> notFound();
            case 405 -> "method not allowed (allowed: " + response.getAllowedMethods() + ")";
            case 406 -> "cannot produce the requested media type";
            case 415 -> "unsupported Content-Type";
            default -> response.getStatusInfo().getReasonPhrase();
        };
    }
}
