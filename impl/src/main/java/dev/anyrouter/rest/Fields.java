package dev.anyrouter.rest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.json.Json;
import java.io.IOException;
import java.util.List;
import java.util.function.BiFunction;

/** Checks shared by the request bodies of both APIs; every problem is a 400 naming the field and what was expected. */
final class Fields {

    private Fields() {
    }

    /**
     * The body as a JSON object, parsed within {@code limits} (which also count its messages, parts and tools): one
     * value, nothing after it, every number finite ({@link Json#CLIENT}).
     */
    static ObjectNode object(byte[] bytes, BodyLimits limits) {
        JsonNode tree;
        try (JsonParser parser = limits.parser(bytes)) {
            try {
                tree = Json.CLIENT.readTree(parser);
                if (parser.nextToken() != null) {
                    throw GatewayException.badRequest("request body is not valid JSON: data after its value");
                }
            } catch (StreamConstraintsException e) {
                GatewayException refusal = limits.refusal(parser, e);
                throw refusal != null ? refusal
                        : GatewayException.badRequest("request body is not valid JSON: " + e.getOriginalMessage());
            }
        } catch (Json.NonFiniteNumber e) {
            throw GatewayException.badRequest("request body: " + e.getMessage());
        } catch (JsonProcessingException e) {
            if (e.getCause() instanceof Json.NonFiniteNumber tooLarge) {
                throw GatewayException.badRequest("request body: " + tooLarge.getMessage());
            }
            throw GatewayException.badRequest("request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw GatewayException.badRequest("request body cannot be read");
        }
        if (tree == null || tree.isMissingNode() || !tree.isObject()) {
            throw GatewayException.badRequest("request body: expected a JSON object");
        }
        limits.check((ObjectNode) tree);
        return (ObjectNode) tree;
    }

    /**
     * A request of either API: the body parsed within {@code limits}, its {@code model} checked first, then the
     * API's own {@code checks} (which make the request), then its list of fallback models.
     */
    static <R extends ClientRequest> R request(byte[] bytes, BodyLimits limits,
            BiFunction<ObjectNode, String, R> checks) {
        ObjectNode body = object(bytes, limits);
        R request = checks.apply(body, model(body.get("model")));
        fallbacks(body, request.fallbackField());
        return request;
    }

    /** The most fallback models one request may list. */
    static final int MAX_FALLBACKS = 5;

    /** A list of fallback models: absent, or an array of up to {@link #MAX_FALLBACKS} {@code provider/model}s. */
    static List<String> fallbacks(ObjectNode body, String field) {
        JsonNode list = body.get(field);
        if (list == null || list.isNull()) {
            return List.of();
        }
        if (!list.isArray() || list.size() > MAX_FALLBACKS) {
            throw invalid(field, list, "an array of at most " + MAX_FALLBACKS + " \"provider/model\" strings");
        }
        List<String> models = new java.util.ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            try {
                models.add(model(list.get(i)));
            } catch (GatewayException e) {
                throw GatewayException.badRequest(field + "[" + i + "]: " + e.getMessage().replaceFirst("^model: ", ""));
            }
        }
        return models;
    }

    /** The longest model name accepted (the ledger stores it). */
    static final int MAX_MODEL = 200;

    /** {@code provider/model}, or a model id alone. */
    static String model(JsonNode model) {
        if (model == null || model.isNull()) {
            throw GatewayException.badRequest("model: missing (expected: \"provider/model\", e.g. \"openai/gpt-4o\")");
        }
        if (!model.isTextual()) {
            throw invalid("model", model, "a string \"provider/model\"");
        }
        String value = model.asText();
        if (value.length() > MAX_MODEL) {
            throw GatewayException.badRequest("model: " + value.length() + " characters (expected: at most "
                    + MAX_MODEL + ")");
        }
        int control = firstControl(value);
        if (control >= 0) {
            // named, never echoed: the character would reach logs and the ledger (PostgreSQL refuses a NUL)
            throw GatewayException.badRequest(String.format("model: a control character (U+%04X) at index %d "
                    + "(expected: \"provider/model\" without control characters)", (int) value.charAt(control), control));
        }
        int slash = value.indexOf('/');
        // A model id alone (no '/') names a route alias or a model of the default provider: the router decides.
        if (value.isBlank() || slash == 0 || slash == value.length() - 1) {
            throw GatewayException.badRequest("model: '" + value + "' (expected: \"provider/model\", e.g. \"openai/gpt-4o\")");
        }
        return value;
    }

    /** The index of the first ISO control character (U+0000–U+001F, U+007F–U+009F) in {@code value}, or -1. */
    static int firstControl(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    static boolean optionalBoolean(ObjectNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw invalid(field, value, "true or false");
        }
        return value.asBoolean();
    }

    /** A non-empty array. */
    static JsonNode array(JsonNode value, String field) {
        if (value == null || value.isNull()) {
            throw GatewayException.badRequest(field + ": missing (expected: a non-empty array)");
        }
        if (!value.isArray() || value.isEmpty()) {
            throw invalid(field, value, "a non-empty array");
        }
        return value;
    }

    /** Whether every item of {@code array} is a string. */
    static boolean allText(JsonNode array) {
        for (JsonNode item : array) {
            if (!item.isTextual()) {
                return false;
            }
        }
        return true;
    }

    /** A string field that must be there. */
    static String text(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw invalid(where + "." + field, value, "a string");
        }
        return value.asText();
    }

    /**
     * The largest token budget accepted for reasoning ({@code reasoning.max_tokens},
     * {@code thinking.budget_tokens}): far above any model's output, and small enough that a translation adding
     * a default bound to it stays an {@code int}.
     */
    static final int MAX_BUDGET = 1_000_000;

    /** A token budget: absent, or a whole number from 1 to {@link #MAX_BUDGET}. */
    static void budget(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value != null && !value.isNull() && (!count(value) || value.asInt() > MAX_BUDGET)) {
            throw invalid(where + "." + field, value, "a whole number from 1 to " + MAX_BUDGET);
        }
    }

    /**
     * An optional object with a token budget ({@code reasoning}, {@code thinking}): absent, or an object whose
     * {@code budget} field is absent or in range ({@link #budget}). Whether it is there.
     */
    static boolean budgeted(JsonNode value, String field, String budget) {
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isObject()) {
            throw invalid(field, value, "an object");
        }
        budget(value, budget, field);
        return true;
    }

    /** True for a whole number of at least 1. */
    static boolean count(JsonNode value) {
        return value.canConvertToInt() && value.isIntegralNumber() && value.asInt() >= 1;
    }

    static GatewayException invalid(String field, JsonNode value, String expected) {
        return GatewayException.badRequest(field + ": " + describe(value) + " (expected: " + expected + ")");
    }

    static String describe(JsonNode value) {
        if (value == null) {
            return "missing";
        }
        String text = value.toString();
        return text.length() > 60 ? text.substring(0, 60) + "…" : text;
    }
}
