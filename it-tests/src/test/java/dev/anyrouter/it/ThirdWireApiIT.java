package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.it.lines.LinesWireApi;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A third wire API ({@link LinesWireApi}, registered through this module's {@code META-INF/services}) served end
 * to end: a provider configured with {@code api: lines} gets requests on its own path with its own key header,
 * its answers reach the official OpenAI SDK streamed and not, they are billed, and a client API it cannot serve is
 * a 400 naming the pairs there are.
 */
class ThirdWireApiIT {

    @TempDir
    Path dir;

    private String config(ScriptedUpstream upstream) throws Exception {
        return Files.writeString(dir.resolve("anyrouter.yaml"), """
                providers:
                  liner: {api: lines, base_url: %s, api_key: sk-lines-secret}
                """.formatted(upstream.baseUri())).toString();
    }

    private static OpenAIClient openAi(Gateway gateway) {
        return OpenAIOkHttpClient.builder().apiKey(Gateway.KEY).baseUrl(gateway.uri() + "api/v1").maxRetries(0)
                .build();
    }

    @Test
    void aStreamOfTheThirdApiReachesTheSdkAndIsBilled() throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream()) {
            upstream.script(x -> x.sseHead().event("line", "{\"text\":\"Hello\"}").event("line", "{\"text\":\" world\"}")
                    .event("done", "{\"input_tokens\":7,\"output_tokens\":2}").end());
            try (Gateway gateway = Gateway.with("ANYROUTER_CONFIG", config(upstream))) {
                OpenAIClient client = openAi(gateway);
                StringBuilder text = new StringBuilder();
                String id;
                try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                        ChatCompletionCreateParams.builder().model("liner/line-1").addUserMessage("hi").build())) {
                    id = stream.stream().peek(chunk -> chunk.choices().forEach(choice -> choice.delta().content()
                            .ifPresent(text::append))).map(ChatCompletionChunk::id).reduce((a, b) -> b).orElseThrow();
                }
                client.close();

                assertThat(text).hasToString("Hello world");
                GenerationRecord record = gateway.generation(id);
                assertThat(record.provider()).isEqualTo("liner");
                assertThat(record.finishReason()).isEqualTo("stop");
                assertThat(record.promptTokens()).isEqualTo(7);
                assertThat(record.completionTokens()).isEqualTo(2);
            }
            ScriptedUpstream.Exchange exchange = upstream.next();
            assertThat(exchange.requestLine).isEqualTo("POST /v1/generate HTTP/1.1");
            assertThat(exchange.headers).containsEntry("x-lines-key", "sk-lines-secret")
                    .doesNotContainKey("authorization");
            assertThat(new ObjectMapper().readTree(exchange.body).path("model").asText()).isEqualTo("line-1");
            assertThat(new ObjectMapper().readTree(exchange.body).path("prompt").asText()).isEqualTo("hi\n");
            assertThat(exchange.rawHead).doesNotContain(Gateway.KEY);
        }
    }

    @Test
    void aWholeAnswerOfTheThirdApiReachesTheSdk() throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream()) {
            upstream.script(x -> x.json(200, "{\"lines\":[\"one\",\" two\"],\"input_tokens\":3,\"output_tokens\":2}"));
            try (Gateway gateway = Gateway.with("ANYROUTER_CONFIG", config(upstream))) {
                OpenAIClient client = openAi(gateway);
                ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                        .model("liner/line-1").addUserMessage("hi").build());
                client.close();

                assertThat(completion.choices().get(0).message().content()).contains("one two");
                assertThat(gateway.generation(completion.id()).completionTokens()).isEqualTo(2);
            }
        }
    }

    @Test
    void aClientApiTheThirdApiCannotServeIsA400NamingTheSupportedPairs() throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream()) {
            try (Gateway gateway = Gateway.with("ANYROUTER_CONFIG", config(upstream));
                    RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/messages", Gateway.BEARER,
                            "{\"model\":\"liner/line-1\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\","
                                    + "\"content\":\"hi\"}]}")) {
                assertThat(client.status).isEqualTo(400);
                String message = new ObjectMapper().readTree(client.rest()).at("/error/message").asText();
                assertThat(message).contains("'liner'", "'lines'", "cannot serve messages requests",
                        "chat-completions -> lines", "messages -> openai");
            }
        }
    }
}
