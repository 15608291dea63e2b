package dev.anyrouter.api.errors;

import java.util.Optional;

/** The client's request is wrong (400, 404, 408, 413, …): asking again unchanged gets the same answer. */
public final class InvalidRequest extends GatewayException {

    private static final long serialVersionUID = 1L;

    InvalidRequest(int status, String type, String message) {
        this(status, type, message, false);
    }

    private InvalidRequest(int status, String type, String message, boolean retried) {
        super(status, type, message, Optional.empty(), null, retried);
    }

    @Override
    public InvalidRequest afterRetries() {
        return retried() ? this : new InvalidRequest(status(), type(), getMessage(), true);
    }
}
