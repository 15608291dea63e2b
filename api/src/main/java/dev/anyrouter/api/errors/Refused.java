package dev.anyrouter.api.errors;

import java.util.Objects;
import java.util.Optional;

/** The gateway declined the request before any upstream saw it, for a {@link Refusal} the metrics count. */
public final class Refused extends GatewayException {

    private static final long serialVersionUID = 1L;

    private final Refusal reason;

    Refused(Refusal reason, int status, String type, String message, Optional<String> retryAfter, boolean retried) {
        super(status, type, message, retryAfter, null, retried);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    @Override
    public Optional<Refusal> refusal() {
        return Optional.of(reason);
    }

    @Override
    public Refused afterRetries() {
        return retried() ? this : new Refused(reason, status(), type(), getMessage(), retryAfter(), true);
    }
}
