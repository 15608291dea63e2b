package dev.anyrouter.relay;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Reads a {@link Chunk} from chat-completion JSON in one pass of Jackson's streaming parser, skipping every
 * subtree it does not need. Works for stream chunks ({@code choices[].delta}) and whole completions
 * ({@code choices[].message}).
 */
public final class ChunkInspector {

    private static final JsonFactory FACTORY = new JsonFactory();

    private ChunkInspector() {
    }

    /** Inspects one JSON object; an {@link IOException} when the text is not one. */
    public static Chunk inspect(String json) throws IOException {
        Reader reader = new Reader(json);
        try (JsonParser parser = FACTORY.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("chunk is not a JSON object");
            }
            reader.object(parser);
            if (parser.nextToken() != null) {
                throw new IOException("chunk has text after its JSON object");
            }
        }
        return reader.chunk();
    }

    /** One pass over one chunk; fields are filled as the parser meets them. */
    private static final class Reader {
        private final String json;
        private final StringBuilder text = new StringBuilder();
        private int idStart = -1;
        private int idEnd = -1;
        private long created = -1;
        private String model;
        private boolean hasRole;
        private String finishReason;
        private Long promptTokens;
        private Long completionTokens;
        private String error;

        Reader(String json) {
            this.json = json;
        }

        Chunk chunk() {
            return new Chunk(idStart, idEnd, created, model, hasRole, finishReason, text.toString(), promptTokens,
                    completionTokens, error);
        }

        void object(JsonParser parser) throws IOException {
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (name) {
                    case "id" -> id(parser, value);
                    case "created" -> created = value.isNumeric() ? parser.getLongValue() : -1;
                    case "model" -> model = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                    case "choices" -> choices(parser, value);
                    case "usage" -> usage(parser, value);
                    case "error" -> error(parser, value);
                    default -> parser.skipChildren();
                }
            }
        }

        private void id(JsonParser parser, JsonToken value) {
            if (value != JsonToken.VALUE_STRING) {
                return;
            }
            idStart = (int) parser.currentTokenLocation().getCharOffset();
            int i = idStart + 1;
            while (json.charAt(i) != '"') {
                i += json.charAt(i) == '\\' ? 2 : 1;
            }
            idEnd = i + 1;
        }

        private void choices(JsonParser parser, JsonToken value) throws IOException {
            if (value != JsonToken.START_ARRAY) {
                parser.skipChildren();
                return;
            }
            while (parser.nextToken() == JsonToken.START_OBJECT) {
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    JsonToken field = parser.nextToken();
                    if (("delta".equals(name) || "message".equals(name)) && field == JsonToken.START_OBJECT) {
                        delta(parser);
                    } else if ("finish_reason".equals(name) && field == JsonToken.VALUE_STRING) {
                        finishReason = parser.getText();
                    } else {
                        parser.skipChildren();
                    }
                }
            }
        }

        private void delta(JsonParser parser) throws IOException {
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (name) {
                    case "role" -> hasRole |= value == JsonToken.VALUE_STRING;
                    case "content", "reasoning" -> appendText(parser, value);
                    case "tool_calls" -> toolCalls(parser, value);
                    default -> parser.skipChildren();
                }
            }
        }

        private void toolCalls(JsonParser parser, JsonToken value) throws IOException {
            if (value != JsonToken.START_ARRAY) {
                parser.skipChildren();
                return;
            }
            while (parser.nextToken() == JsonToken.START_OBJECT) {
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    JsonToken field = parser.nextToken();
                    if ("function".equals(name) && field == JsonToken.START_OBJECT) {
                        while (parser.nextToken() == JsonToken.FIELD_NAME) {
                            String fn = parser.currentName();
                            JsonToken fnValue = parser.nextToken();
                            if ("arguments".equals(fn)) {
                                appendText(parser, fnValue);
                            } else {
                                parser.skipChildren();
                            }
                        }
                    } else {
                        parser.skipChildren();
                    }
                }
            }
        }

        private void usage(JsonParser parser, JsonToken value) throws IOException {
            if (value != JsonToken.START_OBJECT) {
                return;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken field = parser.nextToken();
                if ("prompt_tokens".equals(name) && field == JsonToken.VALUE_NUMBER_INT) {
                    promptTokens = parser.getLongValue();
                } else if ("completion_tokens".equals(name) && field == JsonToken.VALUE_NUMBER_INT) {
                    completionTokens = parser.getLongValue();
                } else {
                    parser.skipChildren();
                }
            }
        }

        private void error(JsonParser parser, JsonToken value) throws IOException {
            if (value == JsonToken.VALUE_STRING) {
                error = parser.getText();
                return;
            }
            if (value != JsonToken.START_OBJECT) {
                return;
            }
            error = "upstream error";
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken field = parser.nextToken();
                if ("message".equals(name) && field == JsonToken.VALUE_STRING) {
                    error = parser.getText();
                } else {
                    parser.skipChildren();
                }
            }
        }

        private void appendText(JsonParser parser, JsonToken value) throws IOException {
            if (value == JsonToken.VALUE_STRING) {
                text.append(parser.getText());
            } else {
                parser.skipChildren();
            }
        }
    }
}
