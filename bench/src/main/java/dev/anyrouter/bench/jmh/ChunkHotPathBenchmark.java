package dev.anyrouter.bench.jmh;

import dev.anyrouter.translate.Chunk;
import dev.anyrouter.translate.ChunkInspector;
import java.io.IOException;
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
 * and accounts on) and the splice that puts the generation id in, with no re-serialisation.
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
    }

    @Benchmark
    public Chunk inspect() throws IOException {
        return ChunkInspector.inspect(chunk);
    }

    @Benchmark
    public String inspectAndRewriteId() throws IOException {
        return ChunkInspector.inspect(chunk).withId(chunk, ID);
    }
}
