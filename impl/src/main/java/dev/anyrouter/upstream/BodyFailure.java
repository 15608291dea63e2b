package dev.anyrouter.upstream;

import java.io.IOException;
import java.util.Optional;

/**
 * Why an upstream body stream ended early, if it did. Jersey's SSE reader reports a broken connection (reset,
 * idle timeout) as a plain end of stream; the connector records the real cause here so the relay can tell a
 * finished upstream from a failed one. Passed to the connector as a request property.
 */
final class BodyFailure {

    static final String PROPERTY = "dev.anyrouter.upstream.body-failure";

    private volatile IOException failure;

    void record(IOException e) {
        if (failure == null) {
            failure = e;
        }
    }

    Optional<IOException> get() {
        return Optional.ofNullable(failure);
    }
}
