package dev.anyrouter.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anyrouter.config.Secret;
import dev.anyrouter.config.UpstreamConfig;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What differs between the wire APIs a provider may speak ({@code api} in its configuration): where a request goes,
 * which headers carry its key, and how an error body reads. One implementation per API, found by name in
 * {@link UpstreamApis}; the format of requests and answers is the provider's {@code Api}, which the translations
 * follow.
 */
interface UpstreamApi {

    /** Error types and codes that say the request itself is at fault, so another try of it fails the same way. */
    Set<String> REQUEST_FAULTS = Set.of("invalid_request_error", "invalid_request", "context_length_exceeded",
            "string_above_max_length", "invalid_prompt", "content_filter", "content_policy_violation",
            "request_too_large", "invalid_value");

    /** Where a request for {@code upstreamModel} goes, relative to an endpoint's base URL (with its query, if any). */
    String path(UpstreamConfig upstream, String upstreamModel);

    /** Whether {@link #path} depends on the model: such targets are not cached (a client may name any model). */
    default boolean pathNamesModel() {
        return false;
    }

    /** The headers that carry the endpoint's key, and any other this API requires. */
    Map<String, String> headers(Optional<Secret> key);

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
