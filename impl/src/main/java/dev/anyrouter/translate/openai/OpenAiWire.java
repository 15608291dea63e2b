package dev.anyrouter.translate.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.api.spi.Plan;
import dev.anyrouter.api.spi.ProviderSettings;
import dev.anyrouter.api.spi.Tally;
import dev.anyrouter.api.spi.Translator;
import dev.anyrouter.api.spi.WireApi;
import dev.anyrouter.translate.RequestBodies;
import dev.anyrouter.translate.responses.ChatToResponses;
import dev.anyrouter.translate.responses.ResponsesToChat;
import java.util.Map;
import java.util.Optional;

/**
 * OpenAI Chat Completions and every compatible server ({@code api: openai}): {@code POST {base}/chat/completions}
 * with {@code Authorization: Bearer KEY} (docs/wire-format.md section 2). Chat Completions clients pass through;
 * Messages clients are translated. Embeddings pass through to {@code POST {base}/embeddings}. Responses clients are
 * translated through chat completions, except on OpenAI's own API, which speaks the Responses API itself: there
 * they pass through to {@code POST {base}/responses} ({@link OpenAiResponsesWire}).
 */
public final class OpenAiWire implements WireApi {

    /** OpenAI's own API, which serves the Responses API as well as chat completions. */
    static final String OPENAI_HOST = "api.openai.com";

    /** The translators of the Chat Completions format, which Azure OpenAI shares. */
    static final Map<ClientApi, Translator> TRANSLATORS = Map.of(
            ClientApi.CHAT_COMPLETIONS, OpenAiWire::chat,
            ClientApi.MESSAGES, OpenAiWire::messages,
            ClientApi.RESPONSES, OpenAiWire::responses,
            ClientApi.EMBEDDINGS, OpenAiWire::embeddings);

    @Override
    public String name() {
        return "openai";
    }

    @Override
    public Map<ClientApi, Translator> translators() {
        return TRANSLATORS;
    }

    @Override
    public String path(ProviderSettings provider, String upstreamModel) {
        return "chat/completions";
    }

    @Override
    public String path(ClientApi client, ProviderSettings provider, String upstreamModel) {
        if (client == ClientApi.RESPONSES && provider.onlyAt(OPENAI_HOST)) {
            return OpenAiResponsesWire.PATH;
        }
        return client == ClientApi.EMBEDDINGS ? "embeddings" : path(provider, upstreamModel);
    }

    @Override
    public Map<String, String> headers(Optional<String> key) {
        return bearer(key);
    }

    /** The key as OpenAI's APIs take it: {@code Authorization: Bearer KEY}. */
    static Map<String, String> bearer(Optional<String> key) {
        return key.map(k -> Map.of("Authorization", "Bearer " + k)).orElse(Map.of());
    }

    private static Plan chat(ObjectNode body, Destination destination, Tally tally) {
        boolean includeUsage = RequestBodies.includeUsage(body);
        ObjectNode upstreamBody = RequestBodies.withModel(body, destination);
        if (body.path("stream").asBoolean(false)) { // usage is billed even when the client did not ask for it
            upstreamBody.withObjectProperty("stream_options").put("include_usage", true);
        }
        return new Plan(RequestBodies.bytes(upstreamBody), new OpenAiPassThrough(destination, tally, includeUsage));
    }

    private static Plan embeddings(ObjectNode body, Destination destination, Tally tally) {
        return new Plan(RequestBodies.bytes(RequestBodies.withModel(body, destination)),
                new EmbeddingsPassThrough(destination, tally));
    }

    private static Plan messages(ObjectNode body, Destination destination, Tally tally) {
        return new Plan(RequestBodies.bytes(MessagesToOpenAiRequest.translate(body, destination)),
                new OpenAiToAnthropic(destination, tally));
    }

    private static Plan responses(ObjectNode body, Destination destination, Tally tally) {
        if (destination.onlyAt(OPENAI_HOST)) {
            return OpenAiResponsesWire.passThrough(body, destination, tally);
        }
        return new Plan(RequestBodies.bytes(ResponsesToChat.translate(body, destination)),
                new ChatToResponses(destination, tally, body));
    }
}
