package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** {@code GET /api/v1/models}: public, OpenRouter-shaped, with prices as decimal strings. */
class ModelsIT {

    private static JsonNode models(Gateway gateway) throws Exception {
        try (RawClient client = RawClient.connect(gateway.uri()).get("/api/v1/models")) {
            assertThat(client.status).isEqualTo(200);
            assertThat(client.headers).containsEntry("content-type", "application/json");
            return new ObjectMapper().readTree(client.rest());
        }
    }

    @Test
    void listsTheCatalogWithPricesAsDecimalStringsWithoutAKey() throws Exception {
        try (Gateway gateway = Gateway.against(URI.create("http://127.0.0.1:9/v1"))) {
            JsonNode data = models(gateway).path("data");

            assertThat(data.isArray()).isTrue();
            assertThat(data).allSatisfy(model -> {
                assertThat(model.path("id").asText()).startsWith("openai/");
                assertThat(model.path("name").isTextual()).isTrue();
                assertThat(model.path("context_length").asLong()).isPositive();
                assertThat(model.at("/pricing/prompt").isTextual()).isTrue();
                assertThat(new java.math.BigDecimal(model.at("/pricing/completion").asText())).isPositive();
            });
            assertThat(data.findValuesAsText("id")).contains("openai/gpt-4o", "openai/gpt-4-turbo");
        }
    }

    @Test
    void listsAnthropicModelsWhenAnthropicRoutesAndBothOffline() throws Exception {
        try (Gateway anthropicOnly = Gateway.offline("ANYROUTER_OFFLINE", "false", "ANTHROPIC_API_KEY", "sk-x");
                Gateway offline = Gateway.offline()) {
            assertThat(models(anthropicOnly).path("data").findValuesAsText("id"))
                    .contains("anthropic/claude-sonnet-4").allSatisfy(id -> assertThat(id).startsWith("anthropic/"));
            assertThat(models(offline).path("data").findValuesAsText("id"))
                    .contains("anthropic/claude-sonnet-4", "openai/gpt-4o");
        }
    }
}
