package dev.anyrouter.api.errors;

import java.util.Optional;

/**
 * The upstream failed or refused the request: unreachable, timed out, an error status or an error event. A
 * {@link #retryable()} one may well succeed if asked again; the gateway's own shortage of resources while sending
 * it is one too, never retryable.
 */
public final class UpstreamFailure extends GatewayException {

    private static final long serialVersionUID = 1L;

    private final boolean retryable;

    UpstreamFailure(int status, String type, String message, Optional<String> retryAfter, Throwable cause,
            boolean retryable, boolean retried) {
        super(status, type, message, retryAfter, cause, retried);
        this.retryable = retryable;
    }

    @Override
    public boolean retryable() {
        return retryable;
    }

    @Override
    public UpstreamFailure afterRetries() {
        return retried() ? this : new UpstreamFailure(status(), type(), getMessage(), retryAfter(), getCause(),
                retryable, true);
    }
}
