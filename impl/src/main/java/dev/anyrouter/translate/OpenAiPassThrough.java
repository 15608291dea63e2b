package dev.anyrouter.translate;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.api.ErrorChunk;
import dev.anyrouter.engine.Json;
import dev.anyrouter.errors.GatewayException;
import dev.anyrouter.routing.Route;
import dev.anyrouter.upstream.UpstreamErrors;
import java.io.IOException;

/**
 * An OpenAI-compatible upstream answering a chat-completions client: every chunk passes byte for byte, except
 * its {@code id}, which becomes the generation id (wire-format.md section 5).
 */
public final class OpenAiPassThrough implements Translation {

    static final String DONE = "[DONE]";

    private final Route route;
    private final Generation generation;
    private long created = -1;
    private String model;
    private boolean finished;

    public OpenAiPassThrough(Route route, Generation generation) {
        this.route = route;
        this.generation = generation;
    }

    @Override
    public boolean event(String name, String data, Out out) throws IOException {
        if (DONE.equals(data.strip())) {
            out.send(null, DONE);
            return true;
        }
        Chunk chunk = ChunkInspector.inspect(data);
        if (chunk.error() != null) {
            throw GatewayException.upstream("upstream '" + route.upstream().name() + "' failed mid-stream: "
                    + UpstreamErrors.sanitise(chunk.error(), route), null);
        }
        if (created < 0) {
            created = chunk.created();
            model = chunk.model();
        }
        if (!out.send(null, chunk.withId(data, generation.id()))) {
            return false;
        }
        generation.delivered(chunk.text());
        if (chunk.finishReason() != null) {
            finished = true;
            generation.finishReason(chunk.finishReason());
        }
        generation.usage(chunk.promptTokens(), chunk.completionTokens());
        return false;
    }

    @Override
    public boolean end(Out out) {
        if (!finished) {
            return false;
        }
        out.send(null, DONE); // some servers close without [DONE], or break off before their usage chunk
        return true;
    }

    @Override
    public void fail(GatewayException failure, Out out) {
        long when = created >= 0 ? created : System.currentTimeMillis() / 1000;
        String chunkModel = model != null ? model : route.upstreamModel();
        out.send(null, Json.write(ErrorChunk.of(generation.id(), when, chunkModel, failure.status(),
                failure.getMessage())));
    }

    @Override
    public String completion(String json) throws IOException {
        Chunk completion = ChunkInspector.inspect(json);
        if (completion.error() != null) {
            throw GatewayException.upstream("upstream '" + route.upstream().name() + "' failed: "
                    + UpstreamErrors.sanitise(completion.error(), route), null);
        }
        generation.delivered(completion.text());
        generation.finishReason(completion.finishReason());
        generation.usage(completion.promptTokens(), completion.completionTokens());
        return completion.withId(json, generation.id());
    }
}
