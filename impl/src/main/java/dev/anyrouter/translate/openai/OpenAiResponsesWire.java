package dev.anyrouter.translate.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.api.spi.Plan;
import dev.anyrouter.api.spi.ProviderSettings;
import dev.anyrouter.api.spi.Tally;
import dev.anyrouter.api.spi.Translator;
import dev.anyrouter.api.spi.WireApi;
import dev.anyrouter.translate.ChainedCodec;
import dev.anyrouter.translate.RequestBodies;
import dev.anyrouter.translate.responses.ChatToResponsesRequest;
import dev.anyrouter.translate.responses.ResponsesPassThrough;
import dev.anyrouter.translate.responses.ResponsesToChatChunks;
import java.util.Map;
import java.util.Optional;

/**
 * A server that speaks OpenAI's Responses API ({@code api: openai-responses}, such as vLLM or OpenAI itself):
 * {@code POST {base}/responses} with {@code Authorization: Bearer KEY} (docs/wire-format.md section 4a). Responses
 * clients pass through, with the generation id; chat-completions clients are translated, and Messages clients
 * through chat completions.
 */
public final class OpenAiResponsesWire implements WireApi {

    /** Where a Responses request goes, relative to the base URL. */
    static final String PATH = "responses";

    private static final Map<ClientApi, Translator> TRANSLATORS = Map.of(
            ClientApi.RESPONSES, OpenAiResponsesWire::passThrough,
            ClientApi.CHAT_COMPLETIONS, OpenAiResponsesWire::chat,
            ClientApi.MESSAGES, OpenAiResponsesWire::messages);

    @Override
    public String name() {
        return "openai-responses";
    }

    @Override
    public Map<ClientApi, Translator> translators() {
        return TRANSLATORS;
    }

    @Override
    public String path(ProviderSettings provider, String upstreamModel) {
        return PATH;
    }

    @Override
    public Map<String, String> headers(Optional<String> key) {
        return OpenAiWire.bearer(key);
    }

    /**
     * A Responses request as the client sent it, naming the upstream's model; {@code store} is {@code false} unless
     * the client asked otherwise, as the gateway's Responses API promises (the upstream's default may differ).
     */
    static Plan passThrough(ObjectNode body, Destination destination, Tally tally) {
        ObjectNode upstreamBody = RequestBodies.withModel(body, destination);
        if (!upstreamBody.hasNonNull("store")) {
            upstreamBody.put("store", false);
        }
        return new Plan(RequestBodies.bytes(upstreamBody), new ResponsesPassThrough(destination, tally));
    }

    private static Plan chat(ObjectNode body, Destination destination, Tally tally) {
        return new Plan(RequestBodies.bytes(ChatToResponsesRequest.translate(body, destination)),
                new ResponsesToChatChunks(destination, tally, RequestBodies.includeUsage(body)));
    }

    /** Through chat completions both ways: the request, then each event. */
    private static Plan messages(ObjectNode body, Destination destination, Tally tally) {
        ObjectNode chat = MessagesToOpenAiRequest.translate(body, destination);
        return new Plan(RequestBodies.bytes(ChatToResponsesRequest.translate(chat, destination)),
                new ChainedCodec(new ResponsesToChatChunks(destination, tally, true),
                        new OpenAiToAnthropic(destination, ChainedCodec.quiet(tally))));
    }
}
