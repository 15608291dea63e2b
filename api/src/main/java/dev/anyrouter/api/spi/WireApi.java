package dev.anyrouter.api.spi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A wire API an upstream provider may speak: the value of a provider's {@code api} setting. It says where a request
 * goes, which headers carry the provider's key, how an error body reads, and which client APIs it can serve, with
 * the {@link Translator} of each. Implementations are found with {@link java.util.ServiceLoader} through
 * {@code META-INF/services/dev.anyrouter.api.spi.WireApi} (see {@link WireApis}); docs/design.md#wire-apis.
 */
public interface WireApi {

    /** Error types and codes that say the request itself is at fault, so another try of it fails the same way. */
    Set<String> REQUEST_FAULTS = Set.of("invalid_request_error", "invalid_request", "context_length_exceeded",
            "string_above_max_length", "invalid_prompt", "content_filter", "content_policy_violation",
            "request_too_large", "invalid_value");

    /** Its name, as a provider's {@code api} setting gives it: lower case, unique. */
    String name();

    /** The client APIs it serves, each with the translator that plans their requests for it. */
    Map<ClientApi, Translator> translators();

    /** Where a request for {@code upstreamModel} goes, relative to an endpoint's base URL (with its query, if any). */
    String path(ProviderSettings provider, String upstreamModel);

    /**
     * Where a request of the {@code client} API goes, for an API whose path differs per client API (embeddings have
     * their own); by default {@link #path(ProviderSettings, String)}.
     */
    default String path(ClientApi client, ProviderSettings provider, String upstreamModel) {
        return path(provider, upstreamModel);
    }

    /**
     * Where a Messages {@code count_tokens} request goes, relative to an endpoint's base URL, for an API that counts
     * tokens itself; empty (the default) when it cannot, and the gateway counts them with its own tokenizer.
     */
    default Optional<String> countTokensPath() {
        return Optional.empty();
    }

    /** Whether {@link #path} depends on the model: such paths are not cached (a client may name any model). */
    default boolean pathNamesModel() {
        return false;
    }

    /** The headers that carry the endpoint's key ({@code key} is its value), and any other this API requires. */
    Map<String, String> headers(Optional<String> key);

    /**
     * The client's request headers (lower-case names) that this API's upstreams receive as the client sent them,
     * once the gateway has checked their values; the trace headers go to every upstream besides these. None by
     * default: a client's headers never reach an upstream otherwise.
     */
    default Set<String> clientHeaders() {
        return Set.of();
    }

    /** The message of an error body: {@code {"error":{"message":…}}}, {@code {"error":"…"}} or {@code {"message":…}}. */
    default Optional<String> message(JsonNode body) {
        JsonNode error = body.path("error");
        JsonNode message = error.isTextual() ? error : error.path("message");
        if (!message.isTextual()) {
            message = body.path("message");
        }
        return message.isTextual() ? Optional.of(message.asText()) : Optional.empty();
    }

    /** Whether an error body's {@code error.type} or {@code error.code} names a fault of the request. */
    default boolean requestsFault(JsonNode body) {
        JsonNode error = body.path("error");
        for (JsonNode field : new JsonNode[] {error.path("type"), error.path("code")}) {
            if (field.isTextual() && REQUEST_FAULTS.contains(field.asText().toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }
}
