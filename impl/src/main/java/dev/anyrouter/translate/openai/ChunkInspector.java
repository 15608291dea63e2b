package dev.anyrouter.translate.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.anyrouter.json.Json;
import java.io.IOException;

/**
 * Reads a {@link Chunk} from chat-completion JSON in one pass of Jackson's streaming parser, skipping every
 * subtree it does not need. Works for stream chunks ({@code choices[].delta}) and whole completions
 * ({@code choices[].message}).
 */
public final class ChunkInspector {

    private ChunkInspector() {
    }

    /** Inspects one JSON object; an {@link IOException} when the text is not one. */
    public static Chunk inspect(String json) throws IOException {
        try (JsonParser parser = Json.FACTORY.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("chunk is not a JSON object");
            }
            Reader reader = new Reader(json, parser);
            reader.members(reader::topLevel);
            if (parser.nextToken() != null) {
                throw new IOException("chunk has text after its JSON object");
            }
            return reader.chunk();
        }
    }

    /** Reads one member of an object; it must consume or skip the value. */
    private interface Member {
        void read(String name, JsonToken value) throws IOException;
    }

    /** One pass over one chunk; fields are filled as the parser meets them. */
    private static final class Reader {
        private final String json;
        private final JsonParser parser;
        private final StringBuilder text = new StringBuilder();
        private int idStart = -1;
        private int idEnd = -1;
        private long created = -1;
        private String model;
        private boolean hasRole;
        private boolean hasChoices;
        private String finishReason;
        private Long promptTokens;
        private Long completionTokens;
        private String error;

        Reader(String json, JsonParser parser) {
            this.json = json;
            this.parser = parser;
        }

        Chunk chunk() {
            return new Chunk(idStart, idEnd, created, model, hasRole, finishReason, text.toString(), promptTokens,
                    completionTokens, error, hasChoices);
        }

        /** The members of the object whose START_OBJECT was just read. */
        void members(Member member) throws IOException {
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                member.read(name, parser.nextToken());
            }
        }

        /** The members of {@code value} when it is an object; anything else is skipped. */
        void object(JsonToken value, Member member) throws IOException {
            if (value == JsonToken.START_OBJECT) {
                members(member);
            } else {
                parser.skipChildren();
            }
        }

        /** The members of each object in {@code value} when it is an array; anything else is skipped. */
        void objects(JsonToken value, Member member) throws IOException {
            if (value != JsonToken.START_ARRAY) {
                parser.skipChildren();
                return;
            }
            for (JsonToken item = parser.nextToken(); item != JsonToken.END_ARRAY; item = parser.nextToken()) {
                if (item == null) {
                    throw new IOException("chunk ends inside an array");
                }
                object(item, member);
            }
        }

        void topLevel(String name, JsonToken value) throws IOException {
            switch (name) {
                case "id" -> id(value);
                case "created" -> created = value.isNumeric() ? parser.getLongValue() : -1;
                case "model" -> model = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                case "choices" -> objects(value, this::choice);
                case "usage" -> object(value, this::usage);
                case "error" -> error(value);
                default -> parser.skipChildren();
            }
        }

        /** Finds the id value's quotes in the text; the parser has not read the string itself yet. */
        private void id(JsonToken value) throws IOException {
            if (value != JsonToken.VALUE_STRING) {
                return;
            }
            int start = (int) parser.currentTokenLocation().getCharOffset();
            int i = start + 1;
            while (i < json.length() && json.charAt(i) != '"') {
                i += json.charAt(i) == '\\' ? 2 : 1;
            }
            if (i >= json.length()) {
                throw new IOException("chunk ends inside its id");
            }
            idStart = start;
            idEnd = i + 1;
        }

        private void choice(String name, JsonToken value) throws IOException {
            hasChoices = true;
            switch (name) {
                case "delta", "message" -> object(value, this::delta);
                case "finish_reason" -> finishReason = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                default -> parser.skipChildren();
            }
        }

        private void delta(String name, JsonToken value) throws IOException {
            switch (name) {
                case "role" -> hasRole |= value == JsonToken.VALUE_STRING;
                case "content", "reasoning" -> appendText(value);
                case "tool_calls" -> objects(value, (call, callValue) -> {
                    if ("function".equals(call)) {
                        object(callValue, this::function);
                    } else {
                        parser.skipChildren();
                    }
                });
                default -> parser.skipChildren();
            }
        }

        private void function(String name, JsonToken value) throws IOException {
            if ("arguments".equals(name)) {
                appendText(value);
            } else {
                parser.skipChildren();
            }
        }

        private void usage(String name, JsonToken value) throws IOException {
            if ("prompt_tokens".equals(name) && value == JsonToken.VALUE_NUMBER_INT) {
                promptTokens = parser.getLongValue();
            } else if ("completion_tokens".equals(name) && value == JsonToken.VALUE_NUMBER_INT) {
                completionTokens = parser.getLongValue();
            } else {
                parser.skipChildren();
            }
        }

        private void error(JsonToken value) throws IOException {
            if (value == JsonToken.VALUE_STRING) {
                error = parser.getText();
                return;
            }
            if (value == JsonToken.START_OBJECT) {
                error = "upstream error";
                members((name, field) -> {
                    if ("message".equals(name) && field == JsonToken.VALUE_STRING) {
                        error = parser.getText();
                    } else {
                        parser.skipChildren();
                    }
                });
            }
        }

        private void appendText(JsonToken value) throws IOException {
            if (value == JsonToken.VALUE_STRING) {
                text.append(parser.getText());
            } else {
                parser.skipChildren();
            }
        }
    }
}
