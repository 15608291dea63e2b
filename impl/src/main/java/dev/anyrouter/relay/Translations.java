package dev.anyrouter.relay;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.config.Api;
import dev.anyrouter.errors.GatewayException;
import dev.anyrouter.routing.Route;

/** Picks the {@link Translation} between a client's API and its route's upstream API. */
public final class Translations {

    private Translations() {
    }

    public static Translation of(Api client, Route route, Generation generation) {
        Api upstream = route.upstream().api();
        if (client == upstream) {
            return client == Api.CHAT_COMPLETIONS ? new OpenAiPassThrough(route, generation)
                    : new AnthropicPassThrough(route, generation);
        }
        throw new GatewayException(400, ErrorTypes.INVALID_REQUEST, "model '" + route.requestedModel()
                + "' is served over the " + name(upstream) + " API, and translating " + name(client) + " requests "
                + "to it is not available yet: call it through the " + name(upstream) + " endpoint");
    }

    private static String name(Api api) {
        return api == Api.CHAT_COMPLETIONS ? "chat completions" : "Messages";
    }
}
