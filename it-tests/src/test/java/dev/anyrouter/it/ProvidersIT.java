package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.anyrouter.accounting.GenerationRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Named providers from a config file, presets from their variables, the default provider and the errors that say
 * how to name a model: the gateway in front of several scripted upstreams, called with the official SDKs.
 */
class ProvidersIT {

    @TempDir
    Path dir;

    static String chatAnswer(String model, String text) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"" + model
                + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + text
                + "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,"
                + "\"total_tokens\":5}}";
    }

    static String messagesAnswer(String model, String text) {
        return "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"" + text + "\"}],\"model\":\"" + model + "\",\"stop_reason\":\"end_turn\","
                + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":3,\"output_tokens\":2}}";
    }

    private String config(String yaml) throws IOException {
        return Files.writeString(dir.resolve("anyrouter.yaml"), yaml).toString();
    }

    private static OpenAIClient openAi(Gateway gateway) {
        return OpenAIOkHttpClient.builder().apiKey(Gateway.KEY).baseUrl(gateway.uri() + "api/v1").maxRetries(0)
                .build();
    }

    private static String ask(OpenAIClient client, String model) {
        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(model).addUserMessage("hi").build());
        return completion.model() + ": " + completion.choices().get(0).message().content().orElse("");
    }

    @Test
    void twoOpenAiCompatibleProvidersAndTwoAnthropicAccountsEachGetTheirOwnKeyAndHeaders() throws Exception {
        try (ScriptedUpstream mine = new ScriptedUpstream(); ScriptedUpstream other = new ScriptedUpstream();
                ScriptedUpstream claude1 = new ScriptedUpstream(); ScriptedUpstream claude2 = new ScriptedUpstream()) {
            mine.script(x -> x.json(200, chatAnswer("small-1", "from mine")));
            other.script(x -> x.json(200, chatAnswer("big-9", "from other")));
            claude1.script(x -> x.json(200, messagesAnswer("claude-a", "from account one")));
            claude2.script(x -> x.json(200, messagesAnswer("claude-b", "from account two")));
            String file = config("""
                    providers:
                      mine: {api: openai, base_url: %s, api_key: sk-mine, headers: {X-Team: a}}
                      other: {api: openai, base_url: %s, api_key: sk-other, headers: {X-Team: b, X-Extra: "1"}}
                      claude2: {api: anthropic, base_url: %s, api_key: sk-ant-two, headers: {X-Account: two}}
                    """.formatted(mine.baseUri(), other.baseUri(), claude2.root()));

            try (Gateway gateway = Gateway.with("ANYROUTER_CONFIG", file, "ANTHROPIC_BASE_URL",
                    claude1.root().toString(), "ANTHROPIC_API_KEY", "sk-ant-one")) {
                AnthropicClient anthropic = AnthropicOkHttpClient.builder().apiKey(Gateway.KEY)
                        .baseUrl(gateway.uri() + "api").maxRetries(0).build();
                OpenAIClient client = openAi(gateway);
                assertThat(ask(client, "mine/small-1")).isEqualTo("small-1: from mine");
                assertThat(ask(client, "other/big-9")).isEqualTo("big-9: from other");
                assertThat(ask(client, "anthropic/claude-a")).isEqualTo("claude-a: from account one");
                Message message = anthropic.messages().create(MessageCreateParams.builder().model("claude2/claude-b")
                        .maxTokens(16).addUserMessage("hi").build());
                assertThat(message.content().get(0).text().orElseThrow().text()).isEqualTo("from account two");
                anthropic.close();
                client.close();
            }

            ScriptedUpstream.Exchange toMine = mine.next();
            assertThat(toMine.requestLine).isEqualTo("POST /v1/chat/completions HTTP/1.1");
            assertThat(toMine.headers).containsEntry("authorization", "Bearer sk-mine").containsEntry("x-team", "a");
            assertThat(toMine.body).contains("\"model\":\"small-1\"");
            ScriptedUpstream.Exchange toOther = other.next();
            assertThat(toOther.headers).containsEntry("authorization", "Bearer sk-other")
                    .containsEntry("x-team", "b").containsEntry("x-extra", "1");
            ScriptedUpstream.Exchange toClaude1 = claude1.next();
            assertThat(toClaude1.requestLine).isEqualTo("POST /v1/messages HTTP/1.1");
            assertThat(toClaude1.headers).containsEntry("x-api-key", "sk-ant-one").doesNotContainKey("authorization")
                    .doesNotContainKey("x-account");
            ScriptedUpstream.Exchange toClaude2 = claude2.next();
            assertThat(toClaude2.headers).containsEntry("x-api-key", "sk-ant-two").containsEntry("x-account", "two")
                    .doesNotContainKey("authorization");
            for (ScriptedUpstream.Exchange exchange : List.of(toMine, toOther, toClaude1, toClaude2)) {
                assertThat(exchange.rawHead).as("never the client's key").doesNotContain(Gateway.KEY);
            }
        }
    }

    @Test
    void aNamedProviderSpreadsOverItsEndpointsEachWithItsOwnKey() throws Exception {
        try (ScriptedUpstream a = new ScriptedUpstream(); ScriptedUpstream b = new ScriptedUpstream()) {
            a.script(x -> x.json(200, chatAnswer("m", "from a")));
            b.script(x -> x.json(200, chatAnswer("m", "from b")));
            String file = config("""
                    providers:
                      mine: {base_urls: [%s, %s], api_keys: [sk-a, sk-b]}
                    """.formatted(a.baseUri(), b.baseUri()));

            try (Gateway gateway = Gateway.with("ANYROUTER_CONFIG", file)) {
                OpenAIClient client = openAi(gateway);
                assertThat(List.of(ask(client, "mine/m"), ask(client, "mine/m")))
                        .containsExactlyInAnyOrder("m: from a", "m: from b");
                client.close();
            }
            assertThat(a.next().headers).containsEntry("authorization", "Bearer sk-a");
            assertThat(b.next().headers).containsEntry("authorization", "Bearer sk-b");
        }
    }

    @Test
    void aPresetIsEnabledByItsKeyVariableAndALocalOneByItsBaseUrl() throws Exception {
        try (ScriptedUpstream groq = new ScriptedUpstream(); ScriptedUpstream ollama = new ScriptedUpstream()) {
            groq.script(x -> x.json(200, chatAnswer("llama-3.3-70b", "from groq")));
            ollama.script(x -> x.json(200, chatAnswer("llama3.2", "from ollama")));

            try (Gateway gateway = Gateway.with("GROQ_API_KEY", "gsk-secret", "GROQ_BASE_URL",
                    groq.baseUri().toString(), "OLLAMA_BASE_URL", ollama.baseUri().toString())) {
                OpenAIClient client = openAi(gateway);
                assertThat(ask(client, "groq/llama-3.3-70b")).isEqualTo("llama-3.3-70b: from groq");
                assertThat(ask(client, "ollama/llama3.2")).isEqualTo("llama3.2: from ollama");
                GenerationRecord record = gateway.generation(client.chat().completions().create(
                        ChatCompletionCreateParams.builder().model("groq/llama-3.3-70b").addUserMessage("hi").build())
                        .id());
                assertThat(record.provider()).isEqualTo("groq");
                assertThat(record.model()).isEqualTo("groq/llama-3.3-70b");
                client.close();
            }
            assertThat(groq.next().headers).containsEntry("authorization", "Bearer gsk-secret");
            assertThat(ollama.next().headers).as("a local preset needs no key").doesNotContainKey("authorization");
        }
    }

    @Test
    void aBareModelIdGoesToTheDefaultProvider() throws Exception {
        try (ScriptedUpstream mine = new ScriptedUpstream()) {
            mine.script(x -> x.json(200, chatAnswer("gpt-4o", "from the default")));
            String file = config("""
                    providers:
                      mine: {base_url: %s, api_key: sk-mine}
                    default_provider: mine
                    """.formatted(mine.baseUri()));

            try (Gateway gateway = Gateway.with("ANYROUTER_CONFIG", file)) {
                OpenAIClient client = openAi(gateway);
                ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                        .model("gpt-4o").addUserMessage("hi").build());
                assertThat(completion.choices().get(0).message().content()).contains("from the default");
                assertThat(gateway.generation(completion.id()).model()).isEqualTo("mine/gpt-4o");
                client.close();
            }
            assertThat(mine.next().body).contains("\"model\":\"gpt-4o\"");
        }
    }

    @Test
    void saysHowToNameAModelAndWhichProvidersAndRoutesThereAre() throws Exception {
        String file = config("""
                providers:
                  mine: {base_url: http://127.0.0.1:9/v1}
                  claude2: {api: anthropic, base_url: http://127.0.0.1:9}
                routes:
                  fast: [mine/a, claude2/b]
                """);
        try (Gateway gateway = Gateway.with("ANYROUTER_CONFIG", file)) {
            assertThat(error(gateway, "gpt-4o")).isEqualTo("400 model: 'gpt-4o' (expected: \"provider/model\", e.g. "
                    + "\"openai/gpt-4o\"; configured providers: claude2, mine; routes: fast; a model id alone goes "
                    + "to default_provider, which is not set)");
            assertThat(error(gateway, "groq/llama")).isEqualTo("404 unknown provider: 'groq' (expected one of: "
                    + "[claude2, mine]; or a route: fast)");
        }
    }

    private static String error(Gateway gateway, String model) throws IOException {
        try (RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER,
                "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")) {
            return client.status + " " + new ObjectMapper().readTree(client.rest()).at("/error/message").asText();
        }
    }

    @Test
    void listsTheConfiguredModelsWithTheirPrices() throws Exception {
        String file = config("""
                providers:
                  mine: {base_url: http://127.0.0.1:9/v1, models: [small-1, large-2]}
                  openai: {api_key: sk-x, models: [gpt-4o]}
                  groq: {api_key: gsk-x}
                prices:
                  models:
                    mine/large-2: "0.000001:0.000002"
                """);
        try (Gateway gateway = Gateway.with("ANYROUTER_CONFIG", file);
                RawClient client = RawClient.connect(gateway.uri()).get("/api/v1/models")) {
            JsonNode data = new ObjectMapper().readTree(client.rest()).path("data");

            assertThat(data.findValuesAsText("id")).as("a provider with models lists those alone")
                    .containsExactlyInAnyOrder("openai/gpt-4o", "mine/small-1", "mine/large-2");
            for (JsonNode model : data) {
                switch (model.path("id").asText()) {
                    case "openai/gpt-4o" -> assertThat(model.path("context_length").asLong()).isEqualTo(128000);
                    case "mine/large-2" -> assertThat(model.at("/pricing/completion").asText()).isEqualTo("0.000002");
                    default -> assertThat(model.at("/pricing/completion").asText()).as("the default price")
                            .isEqualTo("0.00003");
                }
            }
        }
    }

    @Test
    void offlineTrueKeepsTheSimulatorWithProvidersConfigured() throws Exception {
        try (ScriptedUpstream mine = new ScriptedUpstream()) {
            String file = config("""
                    offline: true
                    providers:
                      mine: {base_url: %s}
                    """.formatted(mine.baseUri()));
            try (Gateway gateway = Gateway.offline("ANYROUTER_CONFIG", file)) {
                OpenAIClient client = openAi(gateway);
                assertThat(ask(client, "mine/anything")).as("the simulated upstream's answer").doesNotEndWith(": ");
                client.close();
            }
            assertThat(mine.idle()).isTrue();
        }
    }
}
