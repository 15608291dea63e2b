package dev.anyrouter.api;

/**
 * The OpenAI error {@code type} values AnyRouter uses. An open set: upstream types are relayed as they come.
 */
public final class ErrorTypes {

    public static final String INVALID_REQUEST = "invalid_request_error";
    public static final String AUTHENTICATION = "authentication_error";
    public static final String INSUFFICIENT_CREDITS = "insufficient_credits";
    public static final String PERMISSION = "permission_error";
    public static final String NOT_FOUND = "not_found_error";
    public static final String REQUEST_TOO_LARGE = "request_too_large";
    public static final String RATE_LIMIT = "rate_limit_error";
    public static final String UPSTREAM = "upstream_error";
    public static final String TIMEOUT = "timeout_error";
    public static final String OVERLOADED = "overloaded_error";
    public static final String SERVER = "server_error";

    private ErrorTypes() {
    }
}
