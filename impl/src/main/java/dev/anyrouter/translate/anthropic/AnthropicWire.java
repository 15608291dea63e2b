package dev.anyrouter.translate.anthropic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.api.spi.Plan;
import dev.anyrouter.api.spi.ProviderSettings;
import dev.anyrouter.api.spi.Tally;
import dev.anyrouter.api.spi.Translator;
import dev.anyrouter.api.spi.WireApi;
import dev.anyrouter.translate.RequestBodies;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Anthropic Messages ({@code api: anthropic}): {@code POST {base}/v1/messages} with {@code x-api-key: KEY} and
 * {@code anthropic-version} (docs/wire-format.md section 3). Messages clients pass through; Chat Completions
 * clients are translated.
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
            ClientApi.MESSAGES, AnthropicWire::messages);

    @Override
    public Map<ClientApi, Translator> translators() {
        return TRANSLATORS;
    }

    @Override
    public String path(ProviderSettings provider, String upstreamModel) {
        return "v1/messages";
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
}
