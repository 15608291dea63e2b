package dev.anyrouter.translate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.config.Api;
import dev.anyrouter.json.Json;
import dev.anyrouter.routing.Route;

/**
 * Plans one request between the client's API and its route's upstream API: the body the upstream receives and
 * the {@link Translation} of its answer. The same API on both sides passes through; otherwise the request and
 * the answer are translated (docs/wire-format.md section 4).
 */
public final class Translations {

    private Translations() {
    }

    /**
     * What to send upstream and how to bring the answer back.
     *
     * @param upstreamBody the request body in the upstream's API, with the upstream's model name
     * @param translation  turns the upstream's answer into the client's API
     */
    public record Plan(byte[] upstreamBody, Translation translation) {
    }

    /**
     * Plans a validated request. Throws a 400 {@code GatewayException} when the request holds something the
     * upstream's API cannot express.
     */
    public static Plan plan(Api client, ObjectNode body, Route route, Tally generation) {
        Api upstream = route.upstream().api();
        boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        if (client == Api.CHAT_COMPLETIONS && upstream == Api.CHAT_COMPLETIONS) {
            ObjectNode upstreamBody = withModel(body, route);
            if (body.path("stream").asBoolean(false)) { // usage is billed even when the client did not ask for it
                upstreamBody.withObjectProperty("stream_options").put("include_usage", true);
            }
            return new Plan(bytes(upstreamBody), new OpenAiPassThrough(route, generation, includeUsage));
        }
        if (client == Api.MESSAGES && upstream == Api.MESSAGES) {
            return new Plan(bytes(withModel(body, route)), new AnthropicPassThrough(route, generation));
        }
        if (client == Api.CHAT_COMPLETIONS) {
            return new Plan(bytes(ChatToAnthropicRequest.translate(body, route)),
                    new AnthropicToOpenAi(route, generation, includeUsage));
        }
        return new Plan(bytes(MessagesToOpenAiRequest.translate(body, route)), new OpenAiToAnthropic(route,
                generation));
    }

    private static ObjectNode withModel(ObjectNode body, Route route) {
        ObjectNode copy = body.deepCopy();
        copy.put("model", route.upstreamModel());
        return copy;
    }

    private static byte[] bytes(ObjectNode body) {
        try {
            return Json.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }
}
