package dev.anyrouter.server;

import dev.anyrouter.api.ErrorBody;
import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.json.Json;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own refusals in the gateway's JSON error shape ({@link ErrorBody}), not Jetty's HTML page: a request
 * line or head Jetty cannot parse (400, 431 headers too large, 505 version), a path it refuses (400), and any
 * error raised outside the API's own exception mapper. Only the status and Jetty's short reason are shown, never
 * a stack or a cause.
 */
final class JsonErrorHandler extends ErrorHandler {

    private static final HttpField JSON = new HttpField(HttpHeader.CONTENT_TYPE, "application/json");

    /** A head Jetty could not parse: there is no request to hand to {@link #handle} yet. */
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(JSON);
        return ByteBuffer.wrap(body(status, reason));
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
            Callback callback) {
        response.getHeaders().put(JSON);
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
    }

    static byte[] body(int status, String reason) {
        String message = reason == null || reason.isBlank() ? HttpStatus.getMessage(status) : reason;
        return Json.write(ErrorBody.of(status, type(status), message)).getBytes(StandardCharsets.UTF_8);
    }

    private static String type(int status) {
        return switch (status) {
            case 404 -> ErrorTypes.NOT_FOUND;
            case 413, 431 -> ErrorTypes.REQUEST_TOO_LARGE;
            case 408 -> ErrorTypes.TIMEOUT;
            case 503 -> ErrorTypes.OVERLOADED;
            default -> status >= 500 ? ErrorTypes.SERVER : ErrorTypes.INVALID_REQUEST;
        };
    }
}
