package dev.anyrouter.translate.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.ErrorChunk;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.api.spi.Emitter;
import dev.anyrouter.api.spi.StreamCodec;
import dev.anyrouter.api.spi.Tally;
import dev.anyrouter.json.Json;
import java.io.IOException;

/**
 * An OpenAI-compatible upstream answering a chat-completions client: every chunk passes byte for byte, except
 * its {@code id}, which becomes the generation id (docs/wire-format.md section 5).
 *
 * <p>Usage: the upstream is always asked for it ({@link OpenAiWire}). A client that asked too
 * ({@code stream_options.include_usage}) gets the usage chunk with {@code cost} added; for one that did not, the
 * usage-only chunk is recorded and not sent, so clients that read {@code choices[0]} of every chunk keep working.
 */
final class OpenAiPassThrough implements StreamCodec {

    static final String DONE = "[DONE]";

    private final Destination route;
    private final Tally generation;
    private final boolean includeUsage;
    private long created = -1;
    private String model;
    private boolean finished;

    /** @param includeUsage whether the client asked for the usage chunk */
    OpenAiPassThrough(Destination route, Tally generation, boolean includeUsage) {
        this.route = route;
        this.generation = generation;
        this.includeUsage = includeUsage;
    }

    @Override
    public boolean event(String name, String data, Emitter out) throws IOException {
        if (DONE.equals(data.strip())) {
            out.send(null, DONE);
            return true;
        }
        Chunk chunk = ChunkInspector.inspect(data);
        if (chunk.error() != null) {
            throw GatewayException.upstream("upstream '" + route.provider() + "' failed mid-stream: "
                    + route.scrub(chunk.error()), null);
        }
        if (!chunk.hasChoices() && !chunk.hasUsage()) {
            // Azure OpenAI's first chunk holds only prompt_filter_results (no choices, model "", created 0): nothing
            // for the client, and relaying it would break "one id, created and model per stream" (docs/wire-format.md 2).
            return false;
        }
        if (created < 0) {
            created = chunk.created();
            model = chunk.model();
            generation.servedModel(model);
        }
        String relayed = chunk.withId(data, generation.id());
        if (chunk.hasUsage()) {
            generation.usage(chunk.promptTokens(), chunk.completionTokens());
            if (!includeUsage && !chunk.hasChoices()) {
                return false;
            }
            relayed = includeUsage ? withCost(data) : relayed;
        }
        if (!out.send(null, relayed)) {
            return false;
        }
        generation.delivered(chunk.text());
        if (chunk.finishReason() != null) {
            finished = true;
            generation.finishReason(chunk.finishReason());
        }
        return false;
    }

    /** A chunk or completion with the generation id and {@code usage.cost}: re-serialised, once per answer. */
    private String withCost(String json) throws IOException {
        JsonNode tree = Json.MAPPER.readTree(json);
        if (!tree.isObject() || !tree.path("usage").isObject()) {
            throw new IOException("usage is not an object");
        }
        ((ObjectNode) tree).put("id", generation.id());
        ((ObjectNode) tree.path("usage")).put("cost", generation.cost());
        return Json.write(tree);
    }

    @Override
    public boolean end(Emitter out) {
        if (!finished) {
            return false;
        }
        out.send(null, DONE); // some servers close without [DONE], or break off before their usage chunk
        return true;
    }

    @Override
    public void fail(GatewayException failure, Emitter out) {
        long when = created >= 0 ? created : System.currentTimeMillis() / 1000;
        String chunkModel = model != null ? model : route.upstreamModel();
        out.send(null, Json.write(ErrorChunk.of(generation.id(), when, chunkModel, failure.status(),
                failure.getMessage())));
    }

    @Override
    public String completion(String json) throws IOException {
        Chunk completion = ChunkInspector.inspect(json);
        if (completion.error() != null) {
            throw GatewayException.upstream("upstream '" + route.provider() + "' failed: "
                    + route.scrub(completion.error()), null);
        }
        generation.servedModel(completion.model());
        generation.delivered(completion.text());
        generation.finishReason(completion.finishReason());
        generation.usage(completion.promptTokens(), completion.completionTokens());
        return completion.hasUsage() ? withCost(json) : completion.withId(json, generation.id());
    }
}
