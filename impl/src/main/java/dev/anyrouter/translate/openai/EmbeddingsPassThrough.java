package dev.anyrouter.translate.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.api.spi.Emitter;
import dev.anyrouter.api.spi.StreamCodec;
import dev.anyrouter.api.spi.Tally;
import dev.anyrouter.json.Json;
import java.io.IOException;

/**
 * An OpenAI-compatible upstream's embeddings answering an embeddings client: the body passes byte for byte (its
 * vectors are never re-serialised), but for {@code usage.cost} (OpenRouter's field, as on every non-streamed
 * answer: docs/operations.md), written into the usage object's text; its {@code model} and
 * {@code usage.prompt_tokens} are read for the ledger.
 * Embeddings are never streamed ({@code rest/EmbeddingsRequest.java} refuses {@code stream: true}), so the stream
 * methods are never called.
 */
final class EmbeddingsPassThrough implements StreamCodec {

    private final Destination route;
    private final Tally generation;

    EmbeddingsPassThrough(Destination route, Tally generation) {
        this.route = route;
        this.generation = generation;
    }

    @Override
    public boolean event(String name, String data, Emitter out) throws IOException {
        throw new IOException("embeddings are not streamed");
    }

    @Override
    public boolean end(Emitter out) {
        return false;
    }

    @Override
    public void fail(GatewayException failure, Emitter out) {
        // nothing was streamed: the failure is the status answer
    }

    @Override
    public String completion(String json) throws IOException {
        Chunk answer = ChunkInspector.inspect(json);
        if (answer.error() != null) {
            throw GatewayException.upstream("upstream '" + route.provider() + "' failed: "
                    + route.scrub(answer.error()), null);
        }
        generation.servedModel(answer.model());
        generation.delivered("");
        generation.usage(answer.promptTokens(), 0L);
        return withCost(json);
    }

    /**
     * The answer with {@code "cost"} added as the last member of its top-level {@code usage}; as it is when it has no
     * usage object, or one with a cost already.
     */
    private String withCost(String json) throws IOException {
        try (JsonParser parser = Json.FACTORY.createParser(json)) {
            parser.nextToken(); // the object ChunkInspector has read
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                boolean usage = "usage".equals(parser.currentName());
                if (parser.nextToken() != JsonToken.START_OBJECT || !usage) {
                    parser.skipChildren();
                    continue;
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
                return json.substring(0, close) + (empty ? "" : ",") + "\"cost\":" + Json.write(generation.cost())
                        + json.substring(close);
            }
        }
        return json;
    }
}
