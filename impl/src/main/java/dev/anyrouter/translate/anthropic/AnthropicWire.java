package dev.anyrouter.translate.anthropic;

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
import dev.anyrouter.translate.responses.ChatToResponses;
import dev.anyrouter.translate.responses.ResponsesToChat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Anthropic Messages ({@code api: anthropic}): {@code POST {base}/v1/messages} with {@code x-api-key: KEY} and
 * {@code anthropic-version} (docs/wire-format.md section 3). Messages clients pass through; Chat Completions
 * clients are translated, and Responses clients through chat completions. {@code POST {base}/v1/messages/count_tokens}
 * counts a request's tokens.
 */
public final class AnthropicWire implements WireApi {

    /** The Messages API version every request names. */
    static final String VERSION = "2023-06-01";

    @Override
    public String name() {
        return "anthropic";
    }

    private static final Map<ClientApi, Translator> TRANSLATORS = Map.of(
            ClientApi.CHAT_COMPLETIONS, AnthropicWire::chat,
            ClientApi.MESSAGES, AnthropicWire::messages,
            ClientApi.RESPONSES, AnthropicWire::responses);

    @Override
    public Map<ClientApi, Translator> translators() {
        return TRANSLATORS;
    }

    @Override
    public String path(ProviderSettings provider, String upstreamModel) {
        return "v1/messages";
    }

    /** Anthropic counts a Messages request's tokens itself, with the same headers. */
    @Override
    public Optional<String> countTokensPath() {
        return Optional.of("v1/messages/count_tokens");
    }

    @Override
    public Map<String, String> headers(Optional<String> key) {
        return key.map(k -> Map.of("x-api-key", k, "anthropic-version", VERSION))
                .orElse(Map.of("anthropic-version", VERSION));
    }

    /** Beta features a client turns on, as Anthropic's SDKs send them (docs/api.md, headers). */
    @Override
    public Set<String> clientHeaders() {
        return Set.of("anthropic-beta");
    }

    private static Plan chat(ObjectNode body, Destination destination, Tally tally) {
        return new Plan(RequestBodies.bytes(ChatToAnthropicRequest.translate(body, destination)),
                new AnthropicToOpenAi(destination, tally, RequestBodies.includeUsage(body),
                        StructuredOutput.asked(body)));
    }

    private static Plan messages(ObjectNode body, Destination destination, Tally tally) {
        return new Plan(RequestBodies.bytes(RequestBodies.withModel(body, destination)),
                new AnthropicPassThrough(destination, tally));
    }

    /** Through chat completions both ways: the request, then each event (docs/wire-format.md). */
    private static Plan responses(ObjectNode body, Destination destination, Tally tally) {
        ObjectNode chat = ResponsesToChat.translate(body, destination);
        return new Plan(RequestBodies.bytes(ChatToAnthropicRequest.translate(chat, destination)),
                new ChainedCodec(new AnthropicToOpenAi(destination, tally, true, StructuredOutput.asked(chat)),
                        new ChatToResponses(destination, ChainedCodec.quiet(tally), body)));
    }
}
