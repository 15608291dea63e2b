package dev.anyrouter.relay;

import dev.anyrouter.api.spi.StreamCodec;
import dev.anyrouter.config.Price;
import dev.anyrouter.routing.Route;
import java.util.Map;

/**
 * One model a request may be served by: the requested one, then each fallback in order.
 *
 * @param route       where it goes
 * @param path        where the request goes, relative to an endpoint's base URL (the wire API's path for the
 *                    client's API)
 * @param body        the request body in the upstream's API, with the upstream's model name
 * @param headers     the client's headers this upstream receives (checked; lower-case names)
 * @param codec       how the upstream's answer reaches the client
 * @param price       the model's price, billed when it serves the request
 */
public record Target(Route route, String path, byte[] body, Map<String, String> headers, StreamCodec codec,
        Price price) {

    private static final byte[] NONE = new byte[0];

    /** This target once its upstream accepted the request: no try follows, and a stream does not hold the body. */
    Target sent() {
        return new Target(route, path, NONE, headers, codec, price);
    }
}
