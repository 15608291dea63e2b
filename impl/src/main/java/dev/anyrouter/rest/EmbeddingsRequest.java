package dev.anyrouter.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.ClientApi;
import java.util.OptionalLong;

/**
 * A validated OpenAI embeddings request: {@code input} is a string, an array of strings, an array of token ids or an
 * array of such arrays, none of them empty; {@code encoding_format} is {@code float} or {@code base64};
 * {@code dimensions} a whole number; {@code user} a string. An embedding is one answer, never a stream.
 *
 * @param body  the request as the client sent it
 * @param model {@code provider/model}, or a model id alone (a route alias or a model of the default provider)
 */
record EmbeddingsRequest(ObjectNode body, String model) implements ClientRequest {

    private static final String INPUT = "a non-empty string, an array of strings, an array of token ids, or an "
            + "array of arrays of token ids";

    @Override
    public ClientApi api() {
        return ClientApi.EMBEDDINGS;
    }

    @Override
    public boolean stream() {
        return false;
    }

    /** {@code models}, as for chat completions. */
    @Override
    public String fallbackField() {
        return "models";
    }

    /** An embedding has no completion tokens: its credit reservation is its prompt alone. */
    @Override
    public OptionalLong maxTokens() {
        return OptionalLong.of(0);
    }

    /** The request of a body whose model {@link Fields#request} has checked; every problem is a 400 naming it. */
    static EmbeddingsRequest checked(ObjectNode body, String model) {
        if (Fields.optionalBoolean(body, "stream")) {
            throw GatewayException.badRequest("stream: true (expected: false or absent; embeddings are one answer, "
                    + "never a stream)");
        }
        input(body.get("input"));
        JsonNode format = body.get("encoding_format");
        if (format != null && !format.isNull() && !"float".equals(format.asText(null))
                && !"base64".equals(format.asText(null))) {
            throw Fields.invalid("encoding_format", format, "\"float\" or \"base64\"");
        }
        JsonNode dimensions = body.get("dimensions");
        if (dimensions != null && !dimensions.isNull() && !Fields.count(dimensions)) {
            throw Fields.invalid("dimensions", dimensions, "a whole number of at least 1");
        }
        JsonNode user = body.get("user");
        if (user != null && !user.isNull() && !user.isTextual()) {
            throw Fields.invalid("user", user, "a string");
        }
        return new EmbeddingsRequest(body, model);
    }

    private static void input(JsonNode input) {
        if (input == null || input.isNull()) {
            throw GatewayException.badRequest("input: missing (expected: " + INPUT + ")");
        }
        if (input.isTextual() && !input.asText().isEmpty()) {
            return;
        }
        if (!input.isArray() || input.isEmpty()) {
            throw Fields.invalid("input", input, INPUT);
        }
        boolean tokens = input.get(0).isIntegralNumber();
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            boolean valid = tokens ? token(item) : item.isTextual() ? !item.asText().isEmpty() : tokenArray(item);
            if (!valid) {
                throw Fields.invalid("input[" + i + "]", item, tokens ? "a token id (a whole number from 0)"
                        : "a non-empty string or a non-empty array of token ids");
            }
        }
    }

    private static boolean tokenArray(JsonNode item) {
        if (!item.isArray() || item.isEmpty()) {
            return false;
        }
        for (JsonNode token : item) {
            if (!token(token)) {
                return false;
            }
        }
        return true;
    }

    private static boolean token(JsonNode item) {
        return item.isIntegralNumber() && item.canConvertToInt() && item.asInt() >= 0;
    }
}
