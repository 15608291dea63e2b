package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.errors.BadRequestException;
import com.openai.errors.RateLimitException;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.anyrouter.accounting.GenerationRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /api/v1/embeddings} with the official openai-java SDK: routed to an OpenAI-compatible upstream (the
 * answer byte for byte but for its cost, the upstream's key, not the client's), billed in the ledger as a generation; refused with a
 * 400 for a provider without embeddings; answered by the simulator offline.
 */
class EmbeddingsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ANSWER = "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
            + "\"embedding\":[0.0023064255,-0.009327292,0.015797347]},{\"object\":\"embedding\",\"index\":1,"
            + "\"embedding\":[-0.0012,0.5,1.0E-7]}],\"model\":\"text-embedding-3-small\","
            + "\"usage\":{\"prompt_tokens\":7,\"total_tokens\":7}}";
    private static final String PRICES = "openai/text-embedding-3-small=0.00000002:0";

    private static OpenAIClient sdk(Gateway gateway) {
        return OpenAIOkHttpClient.builder().apiKey(Gateway.KEY).baseUrl(gateway.uri() + "api/v1").maxRetries(0)
                .build();
    }

    private static EmbeddingCreateParams.Builder params(String model) {
        return EmbeddingCreateParams.builder().model(model).inputOfArrayOfStrings(List.of("hello world", "bye"));
    }

    @Test
    void routesToAnOpenAiCompatibleUpstreamAndBillsItsUsage() throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream();
                Gateway gateway = Gateway.against(upstream.baseUri(), "ANYROUTER_PRICES", PRICES)) {
            upstream.script(x -> x.json(200, ANSWER));
            OpenAIClient client = sdk(gateway);

            HttpResponseFor<CreateEmbeddingResponse> response = client.embeddings().withRawResponse()
                    .create(params("openai/text-embedding-3-small").dimensions(3).user("u-1").build());
            CreateEmbeddingResponse embeddings = response.parse();

            assertThat(embeddings.data()).hasSize(2);
            assertThat(embeddings.data().get(0).embedding()).containsExactly(0.0023064255f, -0.009327292f,
                    0.015797347f);
            assertThat(embeddings.usage().promptTokens()).isEqualTo(7);
            assertThat(embeddings.usage()._additionalProperties().get("cost").convert(Double.class))
                    .isEqualTo(0.00000014);
            ScriptedUpstream.Exchange sent = upstream.next();
            assertThat(sent.requestLine).isEqualTo("POST /v1/embeddings HTTP/1.1");
            assertThat(sent.headers.get("authorization")).isEqualTo("Bearer " + Gateway.UPSTREAM_KEY);
            assertThat(sent.rawHead).doesNotContain(Gateway.KEY);
            JsonNode body = JSON.readTree(sent.body);
            assertThat(body.path("model").asText()).isEqualTo("text-embedding-3-small");
            assertThat(body.path("input")).hasSize(2);
            assertThat(body.path("dimensions").asInt()).isEqualTo(3);

            String id = response.headers().values("X-Generation-Id").get(0);
            GenerationRecord record = gateway.generation(id);
            assertThat(record.streamed()).isFalse();
            assertThat(record.servedModel()).isEqualTo("text-embedding-3-small");
            JsonNode row = ledgerRow(gateway, id);
            assertThat(row.path("outcome").asText()).isEqualTo("completed");
            assertThat(row.path("model").asText()).isEqualTo("openai/text-embedding-3-small");
            assertThat(row.path("tokens_prompt").asLong()).isEqualTo(7);
            assertThat(row.path("tokens_completion").asLong()).isZero();
            assertThat(row.path("tokens_counted").asBoolean()).isFalse();
            assertThat(row.path("total_cost").decimalValue()).isEqualByComparingTo("0.00000014");
        }
    }

    @Test
    void passesTheAnswerThroughByteForByteWithItsCostAdded() throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream();
                Gateway gateway = Gateway.against(upstream.baseUri(), "ANYROUTER_PRICES", PRICES);
                RawClient client = RawClient.connect(gateway.uri())) {
            upstream.script(x -> x.json(200, ANSWER));

            client.post("/api/v1/embeddings", Gateway.BEARER,
                    "{\"model\":\"openai/text-embedding-3-small\",\"input\":\"hello\"}");

            assertThat(client.status).isEqualTo(200);
            assertThat(client.rest()).isEqualTo(ANSWER.replace("\"total_tokens\":7}",
                    "\"total_tokens\":7,\"cost\":0.00000014}"));
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> metrics(gateway).contains(
                    "anyrouter_requests_total{api=\"embeddings\",status=\"200\",stream=\"false\"} 1.0"));
        }
    }

    @Test
    void azureGetsTheDeploymentsEmbeddingsPath(@TempDir Path dir) throws Exception {
        try (ScriptedUpstream azure = new ScriptedUpstream()) {
            azure.script(x -> x.json(200, ANSWER));
            String file = Files.writeString(dir.resolve("anyrouter.yaml"), """
                    providers:
                      azure: {api: azure-openai, base_url: %s, api_key: az-secret-key, api_version: 2024-10-21}
                    """.formatted(azure.root())).toString();
            try (Gateway gateway = Gateway.with("ANYROUTER_CONFIG", file)) {
                assertThat(sdk(gateway).embeddings().create(params("azure/emb-prod").build()).data()).hasSize(2);
            }
            ScriptedUpstream.Exchange sent = azure.next();
            assertThat(sent.requestLine).isEqualTo(
                    "POST /openai/deployments/emb-prod/embeddings?api-version=2024-10-21 HTTP/1.1");
            assertThat(sent.headers).containsEntry("api-key", "az-secret-key").doesNotContainKey("authorization");
        }
    }

    @Test
    void theSimulatorAnswersOfflineWithTheSameVectorForTheSameInput() {
        try (Gateway gateway = Gateway.offline()) {
            OpenAIClient client = sdk(gateway);

            CreateEmbeddingResponse first = client.embeddings().create(params("openai/text-embedding-3-small")
                    .build());
            CreateEmbeddingResponse again = client.embeddings().create(EmbeddingCreateParams.builder()
                    .model("openai/text-embedding-3-small").input("hello world").dimensions(64).build());

            assertThat(first.data()).hasSize(2);
            assertThat(first.data().get(0).embedding()).hasSize(256);
            assertThat(again.data().get(0).embedding()).hasSize(64);
            assertThat(first.usage().promptTokens()).isEqualTo(3);
            assertThat(first.model()).isEqualTo("text-embedding-3-small");
        }
    }

    @Test
    void aProviderWithoutEmbeddingsIsA400NamingIt() throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream();
                Gateway gateway = Gateway.againstAnthropic(upstream.root())) {
            assertThatThrownBy(() -> sdk(gateway).embeddings().create(params("anthropic/claude-sonnet-4").build()))
                    .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.getMessage()).contains(
                            "provider 'anthropic' speaks the 'anthropic' API, which cannot serve embeddings requests"));
            assertThat(upstream.idle()).isTrue();
        }
    }

    @Test
    void badInputAndStreamingAre400sInOpenAisShape() throws Exception {
        try (Gateway gateway = Gateway.offline()) {
            JsonNode stream = refused(gateway, "{\"model\":\"openai/e\",\"input\":\"hi\",\"stream\":true}");
            JsonNode empty = refused(gateway, "{\"model\":\"openai/e\",\"input\":[]}");

            assertThat(stream.path("error").path("code").asInt()).isEqualTo(400);
            assertThat(stream.path("error").path("type").asText()).isEqualTo("invalid_request_error");
            assertThat(stream.path("error").path("message").asText()).startsWith("stream: true (expected: false");
            assertThat(empty.path("error").path("message").asText()).startsWith("input: [] (expected: a non-empty");
        }
    }

    @Test
    void anUpstreamErrorKeepsItsStatus() throws Exception {
        try (ScriptedUpstream upstream = new ScriptedUpstream();
                Gateway gateway = Gateway.against(upstream.baseUri(), "ANYROUTER_RETRIES", "0")) {
            upstream.script(x -> x.json(429, "{\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit\"}}"));

            assertThatThrownBy(() -> sdk(gateway).embeddings().create(params("openai/text-embedding-3-small")
                    .build())).isInstanceOfSatisfying(RateLimitException.class,
                            e -> assertThat(e.getMessage()).contains("upstream 'openai' is rate limiting: slow down"));
        }
    }

    private static String metrics(Gateway gateway) throws IOException {
        try (RawClient client = RawClient.connect(gateway.uri()).send("GET", "/metrics", null, null)) {
            return client.rest();
        }
    }

    private static JsonNode refused(Gateway gateway, String body) throws IOException {
        try (RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/embeddings", Gateway.BEARER, body)) {
            assertThat(client.status).isEqualTo(400);
            return JSON.readTree(client.rest());
        }
    }

    /** The generation's ledger row, as {@code GET /api/v1/generation} shows it. */
    private static JsonNode ledgerRow(Gateway gateway, String id) {
        return Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
            try (RawClient client = RawClient.connect(gateway.uri()).send("GET", "/api/v1/generation?id=" + id,
                    Gateway.BEARER, null)) {
                return client.status == 200 ? JSON.readTree(client.rest()).path("data") : null;
            }
        }, Objects::nonNull);
    }
}
