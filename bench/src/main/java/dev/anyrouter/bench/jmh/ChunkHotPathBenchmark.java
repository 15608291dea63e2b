package dev.anyrouter.bench.jmh;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.accounting.Generation;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.api.spi.Emitter;
import dev.anyrouter.api.spi.StreamCodec;
import dev.anyrouter.api.spi.WireApis;
import dev.anyrouter.config.Price;
import dev.anyrouter.config.UpstreamConfig;
import dev.anyrouter.json.Json;
import dev.anyrouter.routing.Route;
import dev.anyrouter.translate.openai.Chunk;
import dev.anyrouter.translate.openai.ChunkInspector;
import java.io.IOException;
import java.net.URI;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The gateway's own work per relayed chunk: one streaming-parser pass over the upstream's JSON (what it routes
 * and accounts on) and the splice that puts the generation id in, with no re-serialisation; and the translation
 * of one event between the two APIs, each way (parse, build the other API's event, serialise).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChunkHotPathBenchmark {

    private static final String ID = "gen-0123456789abcdef0123456789abcdef";

    @Param({"content", "tool_call", "usage"})
    public String kind;

    private String chunk;
    private String anthropicEvent;
    private StreamCodec toOpenAi;
    private StreamCodec toAnthropic;
    private final Emitter sink = (name, data) -> true;

    @org.openjdk.jmh.annotations.Setup
    public void setUp() {
        String head = "{\"id\":\"chatcmpl-AbCdEfGhIjKlMnOpQrStUvWxYz012\",\"object\":\"chat.completion.chunk\","
                + "\"created\":1731000000,\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_12345\",";
        chunk = switch (kind) {
            case "content" -> head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" world\"},\"logprobs\":null,"
                    + "\"finish_reason\":null}]}";
            case "tool_call" -> head + "\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
                    + "\"function\":{\"arguments\":\"{\\\"city\\\": \\\"Par\"}}]},\"logprobs\":null,"
                    + "\"finish_reason\":null}]}";
            default -> head + "\"choices\":[],\"usage\":{\"prompt_tokens\":1234,\"completion_tokens\":567,"
                    + "\"total_tokens\":1801,\"prompt_tokens_details\":{\"cached_tokens\":0}}}";
        };
        anthropicEvent = switch (kind) {
            case "content" -> "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
                    + "\"text\":\" world\"}}";
            case "tool_call" -> "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":"
                    + "\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \\\"Par\"}}";
            default -> "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
                    + "\"usage\":{\"output_tokens\":567}}";
        };
        toOpenAi = translation(ClientApi.CHAT_COMPLETIONS, "anthropic");
        toAnthropic = translation(ClientApi.MESSAGES, "openai");
        try {
            // the block the deltas belong to is open, as mid-stream
            toOpenAi.event(null, "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":"
                    + "\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get_weather\",\"input\":{}}}", sink);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static StreamCodec translation(ClientApi client, String upstream) {
        Route route = new Route(new UpstreamConfig("bench", URI.create("http://127.0.0.1/v1"), Optional.empty(),
                upstream), "bench/model", "model");
        ObjectNode body = Json.MAPPER.createObjectNode().put("model", "bench/model").put("max_tokens", 100);
        body.putArray("messages").addObject().put("role", "user").put("content", "hi");
        Generation generation = new Generation(ID, "key-bench", route, true, Price.parse("0.000001:0.000002",
                "bench"), client, body);
        generation.accepted();
        return WireApis.plan(client, upstream, body, route, generation).codec();
    }

    @Benchmark
    public Chunk inspect() throws IOException {
        return ChunkInspector.inspect(chunk);
    }

    @Benchmark
    public String inspectAndRewriteId() throws IOException {
        return ChunkInspector.inspect(chunk).withId(chunk, ID);
    }

    /** An Anthropic event, as a chat-completions chunk. */
    @Benchmark
    public boolean translateToOpenAi() throws IOException {
        return toOpenAi.event(null, anthropicEvent, sink);
    }

    /** An OpenAI chunk, as Messages API events. */
    @Benchmark
    public boolean translateToAnthropic() throws IOException {
        return toAnthropic.event(null, chunk, sink);
    }
}
