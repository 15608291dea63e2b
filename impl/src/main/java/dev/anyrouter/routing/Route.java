package dev.anyrouter.routing;

import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.config.Endpoint;
import dev.anyrouter.config.UpstreamConfig;
import java.util.Objects;

/**
 * Where one request goes.
 *
 * @param upstream       the provider that serves it
 * @param requestedModel {@code provider/model} as the client named it
 * @param upstreamModel  the part after the first {@code /}, which the upstream receives
 */
public record Route(UpstreamConfig upstream, String requestedModel, String upstreamModel) implements Destination {

    /** The longest upstream message a client is shown. */
    private static final int MESSAGE_LIMIT = 500;

    public Route {
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(requestedModel, "requestedModel");
        Objects.requireNonNull(upstreamModel, "upstreamModel");
    }

    @Override
    public String provider() {
        return upstream.name();
    }

    @Override
    public boolean onlyAt(String host) {
        return upstream.onlyAt(host);
    }

    /**
     * An upstream's message as a client may see it: any of this provider's keys masked (an upstream may quote the
     * key it refused), and cut to {@value #MESSAGE_LIMIT} characters.
     */
    @Override
    public String scrub(String message) {
        String clean = message;
        for (Endpoint endpoint : upstream.endpoints()) {
            if (endpoint.apiKey().isPresent()) {
                clean = clean.replace(endpoint.apiKey().get().reveal(), "****");
            }
        }
        return clean.length() > MESSAGE_LIMIT ? clean.substring(0, MESSAGE_LIMIT) + "…" : clean;
    }
}
