package dev.anyrouter.routing;

import dev.anyrouter.config.UpstreamConfig;
import java.util.Objects;

/**
 * Where one request goes.
 *
 * @param upstream       the provider that serves it
 * @param requestedModel {@code provider/model} as the client named it
 * @param upstreamModel  the part after the first {@code /}, which the upstream receives
 */
public record Route(UpstreamConfig upstream, String requestedModel, String upstreamModel) {

    public Route {
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(requestedModel, "requestedModel");
        Objects.requireNonNull(upstreamModel, "upstreamModel");
    }
}
