package dev.anyrouter.errors;

import dev.anyrouter.api.ErrorTypes;
import java.util.Objects;
import java.util.Optional;

/**
 * A failure with the HTTP status and message the client should see. Before a stream starts it becomes the
 * status and {@code {"error":…}} body; after, an in-band error chunk. Messages never contain keys or prompts.
 */
public class GatewayException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;
    private final transient Optional<String> retryAfter;
    private final boolean retryable;
    private final transient Optional<Refusal> refusal;
    private final boolean retried;

    public GatewayException(int status, String type, String message) {
        this(status, type, message, Optional.empty(), null);
    }

    public GatewayException(int status, String type, String message, Optional<String> retryAfter, Throwable cause) {
        this(status, type, message, retryAfter, cause, false);
    }

    /** @param retryable the upstream may well succeed if asked again (a rate limit, an overload, a timeout, a 5xx) */
    public GatewayException(int status, String type, String message, Optional<String> retryAfter, Throwable cause,
            boolean retryable) {
        this(status, type, message, retryAfter, cause, retryable, Optional.empty(), false);
    }

    private GatewayException(int status, String type, String message, Optional<String> retryAfter, Throwable cause,
            boolean retryable, Optional<Refusal> refusal, boolean retried) {
        super(Objects.requireNonNull(message, "message"), cause, false, false);
        this.status = status;
        this.type = Objects.requireNonNull(type, "type");
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
        this.retryable = retryable;
        this.refusal = refusal;
        this.retried = retried;
    }

    /** A request refused before anything reached an upstream, for {@code reason}: counted by the metrics. */
    public static GatewayException refused(Refusal reason, int status, String type, String message,
            Optional<String> retryAfter) {
        return new GatewayException(status, type, message, retryAfter, null, false,
                Optional.of(Objects.requireNonNull(reason, "reason")), false);
    }

    /**
     * This failure, as the answer to a request the gateway already tried more than once: the client is told not to
     * retry it itself ({@code x-should-retry: false}), so retries do not multiply.
     */
    public GatewayException afterRetries() {
        return retried ? this : new GatewayException(status, type, getMessage(), retryAfter, getCause(), retryable,
                refusal, true);
    }

    /** Whether the gateway already retried this failure (see {@link #afterRetries()}). */
    public boolean retried() {
        return retried;
    }

    public static GatewayException badRequest(String message) {
        return new GatewayException(400, ErrorTypes.INVALID_REQUEST, message);
    }

    public static GatewayException upstream(String message, Throwable cause) {
        return new GatewayException(502, ErrorTypes.UPSTREAM, message, Optional.empty(), cause);
    }

    /** An upstream failure worth another try: retried, then handed to the next fallback model. */
    public boolean retryable() {
        return retryable;
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    /** Why the request was refused before reaching an upstream; empty for every other failure. */
    public Optional<Refusal> refusal() {
        return refusal;
    }

    /** The {@code Retry-After} header value to send with a 429 or 503, when the upstream gave one. */
    public Optional<String> retryAfter() {
        return retryAfter;
    }
}
