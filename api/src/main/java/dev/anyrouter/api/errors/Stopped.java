package dev.anyrouter.api.errors;

import java.util.Optional;

/** The gateway ended the request itself: an idle or total timeout, a shutdown, the client gone. */
public final class Stopped extends GatewayException {

    private static final long serialVersionUID = 1L;

    Stopped(int status, String type, String message, Optional<String> retryAfter, boolean retried) {
        super(status, type, message, retryAfter, null, retried);
    }

    @Override
    public Stopped afterRetries() {
        return retried() ? this : new Stopped(status(), type(), getMessage(), retryAfter(), true);
    }
}
