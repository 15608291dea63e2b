package dev.anyrouter.api;

import java.util.Objects;

/**
 * An error in the Messages API's shape, {@code {"type":"error","error":{"type":"…","message":"…"}}}: the body of
 * an error answer on {@code /api/v1/messages}, and the data of an {@code event: error} once its stream started.
 *
 * @param type  always {@code error}
 * @param error what went wrong
 */
public record MessagesError(String type, Detail error) {

    public MessagesError {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(error, "error");
    }

    /** The error for an HTTP status and a message meant for the client. */
    public static MessagesError of(int status, String message) {
        return new MessagesError("error", new Detail(type(status), message));
    }

    /** Anthropic's error type for an HTTP status. */
    public static String type(int status) {
        return switch (status) {
            case 400, 405, 406, 415, 422 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402 -> "billing_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            case 504 -> "timeout_error";
            default -> "api_error";
        };
    }

    /**
     * The error itself.
     *
     * @param type    Anthropic's error type, e.g. {@code invalid_request_error}
     * @param message a sentence for a person; never contains keys or prompts
     */
    public record Detail(String type, String message) {

        public Detail {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(message, "message");
        }
    }
}
