package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.accounting.GenerationRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Route aliases: a model id without a provider that names a route is tried as its fallback chain. */
class RoutesIT {

    @TempDir
    Path dir;

    @Test
    void aRouteFallsBackFromAFailingModelToTheNextAndNamesTheModelThatServed() throws Exception {
        try (ScriptedUpstream mine = new ScriptedUpstream(); ScriptedUpstream groq = new ScriptedUpstream()) {
            mine.script(x -> x.json(503, "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"));
            groq.script(x -> x.sseHead()
                    .data("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":"
                            + "\"llama-3.3-70b\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
                            + "\"content\":\"From Groq\"},\"finish_reason\":null}]}")
                    .data("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":"
                            + "\"llama-3.3-70b\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}")
                    .data("[DONE]").end());
            Path file = Files.writeString(dir.resolve("anyrouter.yaml"), """
                    providers:
                      mine: {base_url: %s, api_key: sk-mine}
                      groq: {api_key: gsk-x, base_url: %s}
                    routes:
                      fast: [mine/broken-model, groq/llama-3.3-70b]
                    """.formatted(mine.baseUri(), groq.baseUri()));

            try (Gateway gateway = Gateway.with("ANYROUTER_CONFIG", file.toString(), "ANYROUTER_RETRIES", "0");
                    RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions",
                            Gateway.BEARER, "{\"model\":\"fast\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                                    + "\"content\":\"hi\"}]}")) {
                assertThat(client.status).isEqualTo(200);
                assertThat(Chunks.withoutComments(client.rest())).contains("\"content\":\"From Groq\"")
                        .contains("\"model\":\"llama-3.3-70b\"").endsWith("data: [DONE]\n\n");
                GenerationRecord record = gateway.generation(client.headers.get("x-generation-id"));
                assertThat(record.model()).as("the model that served").isEqualTo("groq/llama-3.3-70b");
                assertThat(record.provider()).isEqualTo("groq");
            }
            assertThat(mine.next().body).contains("\"model\":\"broken-model\"");
            assertThat(groq.next().body).contains("\"model\":\"llama-3.3-70b\"").doesNotContain("fast");
        }
    }
}
