package dev.anyrouter.rest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.config.BodyLimitsConfig;
import dev.anyrouter.json.Json;
import java.io.IOException;
import java.util.Objects;

/**
 * Keeps what one request body costs in memory near its size. The parser stops at the configured nesting depth
 * and number of JSON tokens (Jackson's {@link StreamReadConstraints}), before the tree is built whole; the tree's
 * messages, content parts and tools are then counted before anything walks them. Going over a count is a 413,
 * nesting too deep a 400.
 */
final class BodyLimits {

    /** The defaults, for parsing outside a running gateway (tests). */
    static final BodyLimits DEFAULTS = new BodyLimits(BodyLimitsConfig.DEFAULTS);

    private final BodyLimitsConfig config;
    private final JsonFactory factory;

    BodyLimits(BodyLimitsConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.factory = Json.FACTORY.rebuild().streamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(config.maxJsonDepth()).maxTokenCount(config.maxJsonTokens()).build()).build();
    }

    /** A parser of {@code body} that enforces the depth and token limits. */
    JsonParser parser(byte[] body) throws IOException {
        return factory.createParser(body);
    }

    /** The gateway's answer to a parse stopped by a constraint; {@code null} if the limit broken is not ours. */
    GatewayException refusal(JsonParser parser, StreamConstraintsException e) {
        if (parser.currentTokenCount() >= config.maxJsonTokens()) {
            return tooLarge("request body: more than " + config.maxJsonTokens() + " JSON tokens (expected: at most "
                    + config.maxJsonTokens() + ": values, field names and brackets)");
        }
        if (parser.getParsingContext() != null
                && parser.getParsingContext().getNestingDepth() >= config.maxJsonDepth()) {
            return GatewayException.badRequest("request body: nested more than " + config.maxJsonDepth()
                    + " levels deep (expected: at most " + config.maxJsonDepth() + ")");
        }
        return null;
    }

    /**
     * Counts the messages (a Responses body's {@code input} items), content parts and tools of a parsed body against
     * the limits.
     */
    void check(ObjectNode body) {
        String field = body.path("messages").isArray() || !body.path("input").isArray() ? "messages" : "input";
        JsonNode messages = body.path(field);
        if (messages.isArray() && messages.size() > config.maxMessages()) {
            throw tooLarge(field + ": " + messages.size() + " messages (expected: at most " + config.maxMessages()
                    + ")");
        }
        long parts = parts(body.path("system"));
        for (JsonNode message : messages.isArray() ? messages : body.arrayNode()) {
            parts += parts(message.path("content"));
        }
        if (parts > config.maxContentParts()) {
            throw tooLarge(field + ": " + parts + " content parts in all (expected: at most "
                    + config.maxContentParts() + ")");
        }
        if (body.path("tools").isArray() && body.path("tools").size() > config.maxTools()) {
            throw tooLarge("tools: " + body.path("tools").size() + " tools (expected: at most " + config.maxTools()
                    + ")");
        }
    }

    /** The parts of one content array, a tool result's own blocks included. */
    private static long parts(JsonNode content) {
        if (!content.isArray()) {
            return 0;
        }
        long parts = content.size();
        for (JsonNode part : content) {
            if (part.path("content").isArray()) {
                parts += part.path("content").size();
            }
        }
        return parts;
    }

    private static GatewayException tooLarge(String message) {
        return GatewayException.invalid(413, ErrorTypes.REQUEST_TOO_LARGE, message);
    }
}
