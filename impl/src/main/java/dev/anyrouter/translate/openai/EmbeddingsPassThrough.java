package dev.anyrouter.translate.openai;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.api.spi.Emitter;
import dev.anyrouter.api.spi.StreamCodec;
import dev.anyrouter.api.spi.Tally;
import dev.anyrouter.translate.UsageCost;
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
        return UsageCost.add(json, generation.cost());
    }
}
