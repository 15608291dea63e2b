package dev.anyrouter.translate;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.anyrouter.json.Json;
import java.io.IOException;
import java.math.BigDecimal;

/**
 * Adds the gateway's {@code cost} to an upstream answer relayed as text (an embedding's vectors, a Responses
 * event): written into the text of its {@code usage} object, so that nothing else of the answer is serialised again.
 */
public final class UsageCost {

    private UsageCost() {
    }

    /**
     * {@code json} with {@code "cost"} as the last member of the {@code usage} object found by following the objects
     * named {@code within} from the top ({@code usage} of the top-level object when none is named); as it is when it
     * has no such usage object, or one with a cost already.
     */
    public static String add(String json, BigDecimal cost, String... within) throws IOException {
        try (JsonParser parser = Json.FACTORY.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return json;
            }
            for (String name : within) {
                if (!enter(parser, name)) {
                    return json;
                }
            }
            if (!enter(parser, "usage")) {
                return json;
            }
            boolean empty = true;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                if ("cost".equals(parser.currentName())) {
                    return json;
                }
                empty = false;
                parser.nextToken();
                parser.skipChildren();
            }
            int close = (int) parser.currentTokenLocation().getCharOffset(); // the usage object's '}'
            return json.substring(0, close) + (empty ? "" : ",") + "\"cost\":" + Json.write(cost)
                    + json.substring(close);
        }
    }

    /** Reads on to the member {@code name} of the object being read, and into it when it is an object. */
    private static boolean enter(JsonParser parser, String name) throws IOException {
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            boolean wanted = name.equals(parser.currentName());
            if (parser.nextToken() == JsonToken.START_OBJECT && wanted) {
                return true;
            }
            parser.skipChildren();
        }
        return false;
    }
}
