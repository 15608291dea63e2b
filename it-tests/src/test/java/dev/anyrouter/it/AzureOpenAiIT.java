package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Azure OpenAI ({@code api: azure-openai}): the deployment in the path, {@code api-version} in the query, the key in
 * {@code api-key} and no {@code Authorization}; its content-filter errors and finish reasons reach both APIs' clients.
 */
class AzureOpenAiIT {

    private static final String CHAT = "{\"model\":\"azure/gpt4o-prod\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"hi\"}]}";

    @TempDir
    Path dir;

    private String config(ScriptedUpstream azure) throws IOException {
        return Files.writeString(dir.resolve("anyrouter.yaml"), """
                providers:
                  azure: {api: azure-openai, base_url: %s, api_key: az-secret-key, api_version: 2024-10-21}
                """.formatted(azure.root())).toString();
    }

    @Test
    void sendsTheDeploymentPathApiVersionAndApiKeyHeaderOnly() throws Exception {
        try (ScriptedUpstream azure = new ScriptedUpstream()) {
            azure.script(x -> x.json(200, ProvidersIT.chatAnswer("gpt-4o-2024-08-06", "from Azure")));
            String file = config(azure);
            try (Gateway gateway = Gateway.with("ANYROUTER_CONFIG", file);
                    RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions",
                            Gateway.BEARER, CHAT)) {
                assertThat(client.status).isEqualTo(200);
                assertThat(client.rest()).contains("from Azure");
            }
            ScriptedUpstream.Exchange exchange = azure.next();
            assertThat(exchange.requestLine).isEqualTo(
                    "POST /openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21 HTTP/1.1");
            assertThat(exchange.headers).containsEntry("api-key", "az-secret-key").doesNotContainKey("authorization");
            assertThat(exchange.rawHead).doesNotContain(Gateway.KEY);
        }
    }

    @Test
    void aContentFilterRefusalIsTheClientsA400NamingTheFilterAndIsNotRetried() throws Exception {
        try (ScriptedUpstream azure = new ScriptedUpstream()) {
            azure.script(x -> x.json(400, "{\"error\":{\"message\":\"The response was filtered due to the prompt "
                    + "triggering Azure OpenAI's content management policy.\",\"type\":null,\"param\":\"prompt\","
                    + "\"code\":\"content_filter\",\"status\":400,\"innererror\":{\"code\":"
                    + "\"ResponsibleAIPolicyViolation\",\"content_filter_result\":{\"hate\":{\"filtered\":true,"
                    + "\"severity\":\"high\"}}}}}"));
            String file = config(azure);
            try (Gateway gateway = Gateway.with("ANYROUTER_CONFIG", file);
                    RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions",
                            Gateway.BEARER, CHAT)) {
                assertThat(client.status).isEqualTo(400);
                assertThat(new ObjectMapper().readTree(client.rest()).at("/error/message").asText()).isEqualTo(
                        "upstream 'azure' rejected the request (HTTP 400): content_filter: The response was filtered "
                                + "due to the prompt triggering Azure OpenAI's content management policy. "
                                + "(ResponsibleAIPolicyViolation)");
            }
            azure.next();
            assertThat(azure.idle()).as("the same request would be filtered again").isTrue();
        }
    }

    /** Azure's stream: a prompt-filter chunk first (no choices, no model), then a cut by the content filter. */
    private static void filteredStream(ScriptedUpstream azure) {
        azure.script(x -> x.sseHead()
                    .data("{\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\","
                            + "\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{}}]}")
                    .data("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":"
                            + "\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
                            + "\"content\":\"Partly\"},\"finish_reason\":null}]}")
                    .data("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":"
                            + "\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":"
                            + "\"content_filter\",\"content_filter_results\":{\"hate\":{\"filtered\":true}}}]}")
                    .data("[DONE]").end());
    }

    @Test
    void aFilteredStreamKeepsOneModelAndCreatedAndEndsWithContentFilterForAChatClient() throws Exception {
        try (ScriptedUpstream azure = new ScriptedUpstream()) {
            filteredStream(azure);
            String file = config(azure);
            try (Gateway gateway = Gateway.with("ANYROUTER_CONFIG", file);
                    RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions",
                            Gateway.BEARER, CHAT.replace("{\"model\"", "{\"stream\":true,\"model\""))) {
                assertThat(client.status).isEqualTo(200);
                String events = Chunks.withoutComments(client.rest());
                assertThat(events).doesNotContain("prompt_filter_results").doesNotContain("\"model\":\"\"")
                        .contains("\"finish_reason\":\"content_filter\"").endsWith("data: [DONE]\n\n");
                assertThat(events.split("\n\n")).hasSize(3).allSatisfy(event -> assertThat(event)
                        .matches("data: (\\[DONE]|.*\"created\":1700000000,\"model\":\"gpt-4o-2024-08-06\".*)"));
            }
        }
    }

    @Test
    void aFilteredStreamEndsAsARefusalForAMessagesClient() throws Exception {
        try (ScriptedUpstream azure = new ScriptedUpstream()) {
            filteredStream(azure);
            String file = config(azure);
            try (Gateway gateway = Gateway.with("ANYROUTER_CONFIG", file);
                    RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/messages", Gateway.BEARER,
                            "{\"model\":\"azure/gpt4o-prod\",\"max_tokens\":16,\"stream\":true,\"messages\":"
                                    + "[{\"role\":\"user\",\"content\":\"hi\"}]}")) {
                assertThat(client.status).isEqualTo(200);
                String events = Chunks.withoutComments(client.rest());
                assertThat(events).contains("\"model\":\"gpt-4o-2024-08-06\"").contains("\"text\":\"Partly\"")
                        .contains("\"stop_reason\":\"refusal\"")
                        .endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
            }
        }
    }
}
