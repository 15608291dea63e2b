package dev.anyrouter.it.lines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.api.spi.Plan;
import dev.anyrouter.api.spi.ProviderSettings;
import dev.anyrouter.api.spi.Tally;
import dev.anyrouter.api.spi.Translator;
import dev.anyrouter.api.spi.WireApi;
import java.util.Map;
import java.util.Optional;

/**
 * A third wire API, registered the way an extension would be (this module's
 * {@code META-INF/services/dev.anyrouter.api.spi.WireApi}) and built on the {@code api} module alone: it proves a
 * new upstream protocol needs no change to the gateway. The "lines" protocol: {@code POST {base}/generate} with
 * {@code X-Lines-Key: KEY} and {@code {"model","prompt","stream"}}; a stream of {@code line} events
 * ({@code {"text"}}) closed by a {@code done} event ({@code {"input_tokens","output_tokens"}}); or, not streamed,
 * {@code {"lines":[…],"input_tokens","output_tokens"}}. It serves Chat Completions clients only.
 */
public final class LinesWireApi implements WireApi {

    static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public String name() {
        return "lines";
    }

    @Override
    public Map<ClientApi, Translator> translators() {
        return Map.of(ClientApi.CHAT_COMPLETIONS, LinesWireApi::chat);
    }

    @Override
    public String path(ProviderSettings provider, String upstreamModel) {
        return "generate";
    }

    @Override
    public Map<String, String> headers(Optional<String> key) {
        return key.map(k -> Map.of("X-Lines-Key", k)).orElse(Map.of());
    }

    private static Plan chat(ObjectNode request, Destination destination, Tally tally) {
        StringBuilder prompt = new StringBuilder();
        for (JsonNode message : request.path("messages")) {
            prompt.append(message.path("content").asText()).append('\n');
        }
        ObjectNode body = JSON.createObjectNode().put("model", destination.upstreamModel())
                .put("prompt", prompt.toString()).put("stream", request.path("stream").asBoolean(false));
        try {
            return new Plan(JSON.writeValueAsBytes(body), new LinesCodec(destination, tally));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
