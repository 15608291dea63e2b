package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The API under {@code /v1/…} as well as {@code /api/v1/…}, and a 404 that names the base URL for any other path.
 */
class V1PathsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Gateway gateway;

    @BeforeAll
    static void start() {
        gateway = Gateway.offline();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            /v1/chat/completions | {"model":"openai/gpt-4o","messages":[{"role":"user","content":"Count to 2"}]}  | "content":"1, 2"
            /v1/messages         | {"model":"anthropic/x","max_tokens":9,"messages":[{"role":"user","content":"Count to 2"}]} | "text":"1, 2"
            /v1/responses        | {"model":"openai/gpt-4o","input":"Count to 2"}                                    | "output_text":"1, 2"
            """)
    void servesTheApiBelowV1(String path, String body, String answer) throws Exception {
        try (RawClient client = RawClient.connect(gateway.uri()).postJson(path, body,
                "Authorization: " + Gateway.BEARER)) {
            assertThat(client.status).isEqualTo(200);
            String id = client.headers.get("x-generation-id");
            assertThat(client.rest()).contains(answer, id);
            assertThat(gateway.generation(id).completionText()).isEqualTo("1, 2");
        }
        try (RawClient client = RawClient.connect(gateway.uri()).get("/v1/models")) {
            assertThat(client.status).isEqualTo(200);
            assertThat(client.rest()).contains("\"data\":[");
        }
        try (RawClient client = RawClient.connect(gateway.uri()).postJson(path, body)) {
            assertThat(client.status).as("a key is asked for below /v1 too").isEqualTo(401);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"/chat/completions", "/v1/chat/complete", "/openai/v1/responses", "/api/v2/messages"})
    void namesTheBaseUrlInA404(String path) throws Exception {
        try (RawClient client = RawClient.connect(gateway.uri()).postJson(path, "{}",
                "Authorization: " + Gateway.BEARER)) {
            assertThat(client.status).isEqualTo(404);
            JsonNode error = JSON.readTree(client.rest()).path("error");
            assertThat(error.path("type").asText()).isEqualTo("not_found_error");
            assertThat(error.path("message").asText()).startsWith("no such endpoint: POST /")
                    .contains("base URL is http://localhost/api/v1 or http://localhost/v1"); // from the Host header
        }
    }
}
