package dev.anyrouter.api.errors;

import dev.anyrouter.api.ErrorTypes;
import java.util.Objects;
import java.util.Optional;

/**
 * A failure with the HTTP status and message the client should see. Before a stream starts it becomes the
 * status and {@code {"error":…}} body; after, an in-band error chunk. Messages never contain keys or prompts.
 *
 * <p>Four kinds, each made by the named factories below: {@link InvalidRequest} (the client's request is wrong),
 * {@link Refused} (the gateway declines it before any upstream sees it, for a {@link Refusal} the metrics count),
 * {@link UpstreamFailure} (the upstream failed or refused it; some are worth another try) and {@link Stopped} (the
 * gateway ended it: a timeout, a shutdown, the client gone).
 */
public abstract sealed class GatewayException extends RuntimeException
        permits InvalidRequest, Refused, UpstreamFailure, Stopped {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;
    private final transient Optional<String> retryAfter;
    private final boolean retried;

    GatewayException(int status, String type, String message, Optional<String> retryAfter, Throwable cause,
            boolean retried) {
        super(Objects.requireNonNull(message, "message"), cause, false, false);
        this.status = status;
        this.type = Objects.requireNonNull(type, "type");
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
        this.retried = retried;
    }

    /** A request the client must change: a 400 of type {@code invalid_request_error}. */
    public static InvalidRequest badRequest(String message) {
        return new InvalidRequest(400, ErrorTypes.INVALID_REQUEST, message);
    }

    /** A request the client must change, with its own status and type (404, 408, 413, …). */
    public static InvalidRequest invalid(int status, String type, String message) {
        return new InvalidRequest(status, type, message);
    }

    /** Nothing by that name: a 404 of type {@code not_found_error}. */
    public static InvalidRequest notFound(String message) {
        return new InvalidRequest(404, ErrorTypes.NOT_FOUND, message);
    }

    /** A request refused before anything reached an upstream, for {@code reason}: counted by the metrics. */
    public static Refused refused(Refusal reason, int status, String type, String message,
            Optional<String> retryAfter) {
        return new Refused(reason, status, type, message, retryAfter, false);
    }

    /** The upstream failed: a 502 of type {@code api_error}, not worth another try. */
    public static UpstreamFailure upstream(String message, Throwable cause) {
        return new UpstreamFailure(502, ErrorTypes.UPSTREAM, message, Optional.empty(), cause, false, false);
    }

    /**
     * The upstream failed or refused the request, with the status the client gets.
     *
     * @param retryable the upstream may well succeed if asked again (a rate limit, an overload, a timeout, a 5xx)
     */
    public static UpstreamFailure upstream(int status, String type, String message, Optional<String> retryAfter,
            Throwable cause, boolean retryable) {
        return new UpstreamFailure(status, type, message, retryAfter, cause, retryable, false);
    }

    /** The gateway ended the request: a timeout, a shutdown, the client gone. */
    public static Stopped stopped(int status, String type, String message, Optional<String> retryAfter) {
        return new Stopped(status, type, message, retryAfter, false);
    }

    /**
     * This failure, as the answer to a request the gateway already tried more than once: the client is told not to
     * retry it itself ({@code x-should-retry: false}), so retries do not multiply.
     */
    public abstract GatewayException afterRetries();

    /** Whether the gateway already retried this failure (see {@link #afterRetries()}). */
    public boolean retried() {
        return retried;
    }

    /** An upstream failure worth another try: retried, then handed to the next fallback model. */
    public boolean retryable() {
        return false;
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    /** Why the request was refused before reaching an upstream; empty for every other failure. */
    public Optional<Refusal> refusal() {
        return Optional.empty();
    }

    /** The {@code Retry-After} header value to send with a 429 or 503, when there is one. */
    public Optional<String> retryAfter() {
        return retryAfter;
    }
}
