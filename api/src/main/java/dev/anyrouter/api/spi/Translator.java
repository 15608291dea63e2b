package dev.anyrouter.api.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.errors.GatewayException;

/** Plans the requests of one client API for one upstream {@link WireApi}. */
@FunctionalInterface
public interface Translator {

    /**
     * Plans a request the gateway has validated in its client API. Throws a 400 {@link GatewayException} when it
     * holds something the upstream's API cannot express. Must not change {@code request}.
     */
    Plan plan(ObjectNode request, Destination destination, Tally tally);
}
