package dev.anyrouter.it.lines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.api.spi.Emitter;
import dev.anyrouter.api.spi.StreamCodec;
import dev.anyrouter.api.spi.Tally;
import java.io.IOException;

/** The "lines" protocol's answer ({@link LinesWireApi}) as Chat Completions chunks or a chat completion. */
final class LinesCodec implements StreamCodec {

    private final Destination destination;
    private final Tally tally;

    LinesCodec(Destination destination, Tally tally) {
        this.destination = destination;
        this.tally = tally;
    }

    @Override
    public boolean event(String name, String data, Emitter out) throws IOException {
        JsonNode event = LinesWireApi.JSON.readTree(data);
        if ("line".equals(name)) {
            String text = event.path("text").asText();
            tally.servedModel(destination.upstreamModel());
            tally.delivered(text);
            out.send(null, chunk(LinesWireApi.JSON.createObjectNode().put("content", text), null));
            return false;
        }
        if ("done".equals(name)) {
            tally.finishReason("stop");
            tally.usage(event.path("input_tokens").asLong(), event.path("output_tokens").asLong());
            out.send(null, chunk(LinesWireApi.JSON.createObjectNode(), "stop"));
            out.send(null, "[DONE]");
            return true;
        }
        throw GatewayException.upstream("upstream '" + destination.provider() + "' sent an unknown event: "
                + destination.scrub(name), null);
    }

    @Override
    public boolean end(Emitter out) {
        out.send(null, "[DONE]");
        return false;
    }

    @Override
    public void fail(GatewayException failure, Emitter out) {
        ObjectNode error = LinesWireApi.JSON.createObjectNode();
        error.putObject("error").put("code", failure.status()).put("message", failure.getMessage());
        out.send(null, error.toString());
    }

    @Override
    public String completion(String json) throws IOException {
        JsonNode answer = LinesWireApi.JSON.readTree(json);
        StringBuilder text = new StringBuilder();
        answer.path("lines").forEach(line -> text.append(line.asText()));
        tally.servedModel(destination.upstreamModel());
        tally.delivered(text);
        tally.finishReason("stop");
        tally.usage(answer.path("input_tokens").asLong(), answer.path("output_tokens").asLong());
        ObjectNode completion = LinesWireApi.JSON.createObjectNode().put("id", tally.id())
                .put("object", "chat.completion").put("created", 0).put("model", destination.upstreamModel());
        ObjectNode choice = completion.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop");
        choice.putObject("message").put("role", "assistant").put("content", text.toString());
        completion.putObject("usage").put("prompt_tokens", answer.path("input_tokens").asLong())
                .put("completion_tokens", answer.path("output_tokens").asLong())
                .put("total_tokens", answer.path("input_tokens").asLong() + answer.path("output_tokens").asLong());
        return completion.toString();
    }

    private String chunk(ObjectNode delta, String finishReason) {
        ObjectNode chunk = LinesWireApi.JSON.createObjectNode().put("id", tally.id())
                .put("object", "chat.completion.chunk").put("created", 0).put("model", destination.upstreamModel());
        chunk.putArray("choices").addObject().put("index", 0).<ObjectNode>set("delta", delta)
                .put("finish_reason", finishReason);
        return chunk.toString();
    }
}
