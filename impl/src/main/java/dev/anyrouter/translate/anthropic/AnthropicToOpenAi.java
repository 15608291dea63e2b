package dev.anyrouter.translate.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.ErrorChunk;
import dev.anyrouter.api.FinishReasons;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.api.spi.Emitter;
import dev.anyrouter.api.spi.StreamCodec;
import dev.anyrouter.api.spi.Tally;
import dev.anyrouter.json.Json;
import dev.anyrouter.translate.AnthropicEvents;
import dev.anyrouter.translate.StopReasons;
import java.io.IOException;

/**
 * An Anthropic upstream answering a chat-completions client (docs/wire-format.md section 4): {@code message_start}
 * becomes the role chunk, text and thinking deltas become {@code content} and {@code reasoning}, each
 * {@code tool_use} block a tool call with its own index, the stop reason one finish chunk, and
 * {@code message_stop} the usage chunk (when asked for) and {@code [DONE]}. For a JSON {@code response_format}
 * ({@link StructuredOutput}) the forced tool's input is the answer: its JSON pieces become {@code content}, and its
 * {@code tool_use} stop {@code stop}.
 */
final class AnthropicToOpenAi implements StreamCodec {

    /** The data of an OpenAI stream's last event (docs/wire-format.md section 2). */
    private static final String DONE = "[DONE]";

    private final Destination route;
    private final Tally generation;
    private final boolean includeUsage;
    /** Whether the answer is the input of the tool {@link StructuredOutput} forced, delivered as text. */
    private final boolean jsonAnswer;
    private final long created = System.currentTimeMillis() / 1000;
    private String model;
    /** The tool-call index of the open {@code tool_use} block, or -1. */
    private int toolIndex = -1;
    private int tools;
    private String finishReason;
    private Long inputTokens;
    private Long outputTokens;

    AnthropicToOpenAi(Destination route, Tally generation, boolean includeUsage, boolean jsonAnswer) {
        this.route = route;
        this.generation = generation;
        this.includeUsage = includeUsage;
        this.jsonAnswer = jsonAnswer;
        this.model = route.upstreamModel();
    }

    @Override
    public boolean event(String name, String data, Emitter out) throws IOException {
        JsonNode event = AnthropicEvents.read(data);
        switch (event.path("type").asText(name == null ? "" : name)) {
            case "message_start" -> {
                JsonNode message = event.path("message");
                model = message.path("model").asText(model);
                generation.servedModel(model);
                // its output_tokens is provisional: only the input count is final here
                inputTokens = AnthropicEvents.inputTokens(message.path("usage"));
                generation.usage(inputTokens, null);
                ObjectNode delta = Json.MAPPER.createObjectNode().put("role", "assistant").put("content", "");
                send(out, delta, null, "");
            }
            case "content_block_start" -> {
                JsonNode block = event.path("content_block");
                toolIndex = -1;
                if ("tool_use".equals(block.path("type").asText()) && !jsonAnswer) {
                    toolIndex = tools++;
                    ObjectNode call = toolCall().put("id", block.path("id").asText()).put("type", "function");
                    call.putObject("function").put("name", block.path("name").asText()).put("arguments", "");
                    send(out, deltaWith(call), null, "");
                }
            }
            case "content_block_delta" -> delta(event.path("delta"), out);
            case "message_delta" -> {
                usage(event.path("usage"));
                String reason = event.path("delta").path("stop_reason").asText(null);
                if (reason != null && finishReason == null) {
                    finishReason = finishReason(reason);
                    generation.finishReason(finishReason);
                    send(out, Json.MAPPER.createObjectNode(), finishReason, "");
                }
            }
            case "message_stop" -> {
                if (finishReason == null) { // the answer is whole; only its stop reason went missing
                    finishReason = FinishReasons.STOP;
                    generation.finishReason(finishReason);
                    send(out, Json.MAPPER.createObjectNode(), finishReason, "");
                }
                return end(out);
            }
            case "error" -> throw AnthropicEvents.error(event, route, " mid-stream");
            default -> {
                // ping, content_block_stop, signature deltas and newer event types carry nothing for the client
            }
        }
        return false;
    }

    private void delta(JsonNode delta, Emitter out) {
        switch (delta.path("type").asText()) {
            case "text_delta" -> send(out, Json.MAPPER.createObjectNode().put("content", delta.path("text").asText()),
                    null, delta.path("text").asText());
            case "thinking_delta" -> send(out, Json.MAPPER.createObjectNode().put("reasoning",
                    delta.path("thinking").asText()), null, delta.path("thinking").asText());
            case "input_json_delta" -> {
                String piece = delta.path("partial_json").asText();
                if (jsonAnswer) {
                    if (!piece.isEmpty()) { // the answer's first piece is often empty: no chunk for it
                        send(out, Json.MAPPER.createObjectNode().put("content", piece), null, piece);
                    }
                } else if (toolIndex >= 0) {
                    ObjectNode call = toolCall();
                    call.putObject("function").put("arguments", piece);
                    send(out, deltaWith(call), null, piece);
                }
            }
            default -> {
                // signature_delta and newer kinds: nothing a chat client can use
            }
        }
    }

    @Override
    public boolean end(Emitter out) {
        if (finishReason == null) {
            return false;
        }
        if (includeUsage) {
            ObjectNode chunk = envelope();
            chunk.putArray("choices");
            chunk.set("usage", usageObject());
            out.send(null, Json.write(chunk));
        }
        out.send(null, DONE);
        return true;
    }

    @Override
    public void fail(GatewayException failure, Emitter out) {
        out.send(null, Json.write(ErrorChunk.of(generation.id(), created, model, failure.status(),
                failure.getMessage())));
    }

    @Override
    public String completion(String json) throws IOException {
        JsonNode message = AnthropicEvents.read(json);
        if ("error".equals(message.path("type").asText())) {
            throw AnthropicEvents.error(message, route, "");
        }
        model = message.path("model").asText(model);
        generation.servedModel(model);
        usage(message.path("usage"));
        StringBuilder text = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        ArrayNode calls = Json.MAPPER.createArrayNode();
        for (JsonNode block : message.path("content")) {
            switch (block.path("type").asText()) {
                case "text" -> text.append(block.path("text").asText());
                case "thinking" -> reasoning.append(block.path("thinking").asText());
                case "tool_use" -> {
                    if (jsonAnswer) {
                        text.append(block.path("input").toString());
                    } else {
                        ObjectNode call = calls.addObject().put("id", block.path("id").asText())
                                .put("type", "function");
                        call.putObject("function").put("name", block.path("name").asText())
                                .put("arguments", block.path("input").toString());
                    }
                }
                default -> {
                    // redacted thinking and server-tool blocks have no chat-completions form
                }
            }
        }
        finishReason = finishReason(message.path("stop_reason").asText("end_turn"));
        ObjectNode body = Json.MAPPER.createObjectNode().put("id", generation.id()).put("object", "chat.completion")
                .put("created", created).put("model", model);
        ObjectNode choice = body.putArray("choices").addObject().put("index", 0);
        ObjectNode reply = choice.putObject("message").put("role", "assistant");
        if (text.length() > 0 || calls.isEmpty()) {
            reply.put("content", text.toString());
        } else {
            reply.putNull("content");
        }
        if (reasoning.length() > 0) {
            reply.put("reasoning", reasoning.toString());
        }
        if (!calls.isEmpty()) {
            reply.set("tool_calls", calls);
        }
        reply.putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        body.set("usage", usageObject());
        generation.delivered(text.append(reasoning));
        calls.forEach(call -> generation.delivered(call.path("function").path("arguments").asText()));
        generation.finishReason(finishReason);
        return Json.write(body);
    }

    /** The finish reason of a stop reason: the forced tool's {@code tool_use} is a JSON answer's {@code stop}. */
    private String finishReason(String stopReason) {
        return jsonAnswer && stopReason.equals("tool_use") ? FinishReasons.STOP : StopReasons.finishReason(stopReason);
    }

    private ObjectNode toolCall() {
        return Json.MAPPER.createObjectNode().put("index", toolIndex);
    }

    private static ObjectNode deltaWith(ObjectNode call) {
        ObjectNode delta = Json.MAPPER.createObjectNode();
        delta.putArray("tool_calls").add(call);
        return delta;
    }

    private void send(Emitter out, ObjectNode delta, String finish, String text) {
        ObjectNode chunk = envelope();
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        if (includeUsage) {
            chunk.putNull("usage");
        }
        if (out.send(null, Json.write(chunk))) {
            generation.delivered(text);
        }
    }

    private ObjectNode envelope() {
        return Json.MAPPER.createObjectNode().put("id", generation.id()).put("object", "chat.completion.chunk")
                .put("created", created).put("model", model);
    }

    private void usage(JsonNode usage) {
        Long input = AnthropicEvents.inputTokens(usage);
        Long output = AnthropicEvents.outputTokens(usage);
        inputTokens = input != null ? input : inputTokens;
        outputTokens = output != null ? output : outputTokens;
        generation.usage(input, output);
    }

    private ObjectNode usageObject() {
        long prompt = inputTokens == null ? 0 : inputTokens;
        long completion = outputTokens == null ? 0 : outputTokens;
        return Json.MAPPER.createObjectNode().put("prompt_tokens", prompt).put("completion_tokens", completion)
                .put("total_tokens", prompt + completion).put("cost", generation.cost());
    }
}
