package dev.anyrouter.rest;

import dev.anyrouter.api.ErrorBody;
import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.engine.Json;
import dev.anyrouter.errors.GatewayException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.UUID;

/**
 * Every error becomes one JSON shape, {@code {"error":{"code","message","type"}}}, with its real status.
 * Unexpected failures are logged once with a random id, and only the id reaches the client.
 */
final class ErrorMapper implements ExceptionMapper<Throwable> {

    private static final System.Logger LOG = System.getLogger(ErrorMapper.class.getName());

    @Override
    public Response toResponse(Throwable failure) {
        if (failure instanceof GatewayException e) {
            Response.ResponseBuilder response = json(e.status(), e.type(), e.getMessage());
            e.retryAfter().ifPresent(value -> response.header("Retry-After", value));
            return response.build();
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

    private static Response.ResponseBuilder json(int status, String type, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Json.write(ErrorBody.of(status, type, message)));
    }

    private static String type(int status) {
        return switch (status) {
            case 401, 403 -> ErrorTypes.AUTHENTICATION;
            case 404 -> ErrorTypes.NOT_FOUND;
            default -> status >= 500 ? ErrorTypes.SERVER : ErrorTypes.INVALID_REQUEST;
        };
    }

    private static String message(Response response) {
        return switch (response.getStatus()) {
            case 404 -> "no such endpoint";
            case 405 -> "method not allowed (allowed: " + response.getAllowedMethods() + ")";
            case 406 -> "cannot produce the requested media type";
            case 415 -> "unsupported Content-Type";
            default -> response.getStatusInfo().getReasonPhrase();
        };
    }
}
