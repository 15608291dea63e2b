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
    void showsThePricesItBillsConfiguredOnesIncluded() throws Exception {
        try (Gateway gateway = Gateway.against(URI.create("http://127.0.0.1:9/v1"), "ANYROUTER_PRICES",
                "openai/gpt-4o=0.000003:0.0000125,openai/my-finetune=0.00000001:0.00000002")) {
            JsonNode data = models(gateway).path("data");

            JsonNode overridden = find(data, "openai/gpt-4o");
            assertThat(overridden.at("/pricing/prompt").asText()).isEqualTo("0.000003");
            assertThat(overridden.at("/pricing/completion").asText()).isEqualTo("0.0000125");
            assertThat(overridden.path("context_length").asLong()).as("still the catalog's").isEqualTo(128000);
            JsonNode added = find(data, "openai/my-finetune");
            assertThat(added.at("/pricing/prompt").asText()).isEqualTo("0.00000001");
            assertThat(added.path("context_length").isNull()).isTrue();
            assertThat(find(data, "openai/gpt-4o-mini").at("/pricing/prompt").asText()).as("the catalog's")
                    .isEqualTo("0.00000015");
        }
    }

    private static JsonNode find(JsonNode data, String id) {
        for (JsonNode model : data) {
            if (model.path("id").asText().equals(id)) {
                return model;
            }
        }
        throw new AssertionError("no model " + id + " in " + data);
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
