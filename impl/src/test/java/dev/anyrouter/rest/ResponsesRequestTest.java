package dev.anyrouter.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.accounting.Generation;
import dev.anyrouter.api.spi.Destination;
import dev.anyrouter.api.spi.WireApis;
import dev.anyrouter.config.Price;
import dev.anyrouter.config.UpstreamConfig;
import dev.anyrouter.routing.Route;
import dev.anyrouter.translate.responses.ResponsesToChat;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Validation of a Responses request, and its translation to chat completions (docs/wire-format.md 4a). */
class ResponsesRequestTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ResponsesRequest parse(String json) {
        return Fields.request(json.getBytes(StandardCharsets.UTF_8), BodyLimits.DEFAULTS, ResponsesRequest::checked);
    }

    private static Destination destination(String host) {
        return new Destination() {
            @Override
            public String provider() {
                return "p";
            }

            @Override
            public String upstreamModel() {
                return "m";
            }

            @Override
            public String scrub(String message) {
                return message;
            }

            @Override
            public boolean onlyAt(String name) {
                return name.equals(host);
            }
        };
    }

    private static ObjectNode chat(String responses, String host) {
        return ResponsesToChat.translate(parse(responses).upstreamBody(), destination(host));
    }

    @Test
    void readsTheFieldsItAccountsOn() {
        ResponsesRequest request = parse("{\"model\":\"openai/gpt-4o\",\"input\":\"hi\",\"stream\":true,"
                + "\"max_output_tokens\":50,\"models\":[\"anthropic/claude\"]}");

        assertThat(request.api()).isEqualTo(ClientApi.RESPONSES);
        assertThat(request.stream()).isTrue();
        assertThat(request.maxTokens()).hasValue(50);
        assertThat(request.fallbacks()).containsExactly("anthropic/claude");
        assertThat(request.upstreamBody().has("models")).isFalse();
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            {"model":"a/b"}                                                       | input: missing
            {"model":"a/b","input":3}                                             | input: 3 (expected: a string or an array of input items)
            {"model":"a/b","input":[{"role":"bot","content":"x"}]}                | input[0].role: "bot"
            {"model":"a/b","input":[{"role":"user"}]}                             | input[0].content: missing
            {"model":"a/b","input":[{"role":"user","content":[{"text":"x"}]}]}    | input[0].content[0]
            {"model":"a/b","input":[{"type":"function_call","name":"f","arguments":"{}"}]} | input[0].call_id
            {"model":"a/b","input":[{"type":"function_call_output","call_id":"c"}]} | input[0].output
            {"model":"a/b","input":"x","instructions":5}                          | instructions: 5
            {"model":"a/b","input":"x","max_output_tokens":0}                     | max_output_tokens: 0
            {"model":"a/b","input":"x","temperature":"hot"}                       | temperature: "hot"
            {"model":"a/b","input":"x","tools":[{"type":"function"}]}             | tools[0].name
            {"model":"a/b","input":"x","tool_choice":"sometimes"}                 | tool_choice: "sometimes"
            {"model":"a/b","input":"x","text":{"format":{"type":"json_schema","name":"n"}}} | text.format.schema
            {"model":"a/b","input":"x","reasoning":{"effort":1}}                  | reasoning.effort: 1
            {"model":"a/b","input":"x","stream_options":{}}                       | stream_options: only allowed when stream is true
            {"model":"a/b","input":"x","store":"yes"}                             | store
            """)
    void refusesMalformedRequestsNamingTheField(String body, String message) {
        assertThatThrownBy(() -> parse(body)).isInstanceOf(GatewayException.class)
                .hasMessageContaining(message).satisfies(e -> assertThat(((GatewayException) e).status()).isEqualTo(400));
    }

    @Test
    void translatesAConversationWithAFunctionCallRoundTrip() throws Exception {
        ObjectNode chat = chat("{\"model\":\"openai/gpt-4o\",\"instructions\":\"Be brief.\",\"input\":["
                + "{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Weather?\"},"
                + "{\"type\":\"input_image\",\"image_url\":\"https://x/i.png\",\"detail\":\"low\"}]},"
                + "{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[]},"
                + "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"Checking.\"}]},"
                + "{\"type\":\"function_call\",\"id\":\"fc_1\",\"call_id\":\"call_1\",\"name\":\"get_weather\",\"arguments\":\"{}\"},"
                + "{\"type\":\"function_call\",\"id\":\"fc_2\",\"call_id\":\"call_2\",\"name\":\"get_time\",\"arguments\":\"{}\"},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"call_1\",\"output\":\"21C\"},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"call_2\",\"output\":[{\"type\":\"input_text\",\"text\":\"noon\"}]}],"
                + "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"},\"strict\":true}],"
                + "\"tool_choice\":{\"type\":\"function\",\"name\":\"get_weather\"},\"parallel_tool_calls\":false,"
                + "\"max_output_tokens\":100,\"reasoning\":{\"effort\":\"low\"},\"metadata\":{\"a\":\"b\"},\"store\":false,"
                + "\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"w\",\"schema\":{\"type\":\"object\"},\"strict\":true}}}",
                "api.openai.com");

        assertThat(chat).isEqualTo(JSON.readTree("{\"model\":\"m\",\"messages\":["
                + "{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Weather?\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/i.png\",\"detail\":\"low\"}}]},"
                + "{\"role\":\"assistant\",\"content\":\"Checking.\",\"tool_calls\":["
                + "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{}\"}},"
                + "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"21C\"},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":\"noon\"}],"
                + "\"max_completion_tokens\":100,\"reasoning_effort\":\"low\","
                + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"w\",\"schema\":{\"type\":\"object\"},\"strict\":true}},"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"},\"strict\":true}}],"
                + "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}},\"parallel_tool_calls\":false}"));
    }

    @Test
    void boundsTokensWithMaxTokensOffOpenAisOwnApiAndAsksAStreamForUsage() throws Exception {
        ObjectNode chat = chat("{\"model\":\"vllm/m\",\"input\":\"hi\",\"max_output_tokens\":9,\"stream\":true}",
                "elsewhere");

        assertThat(chat).isEqualTo(JSON.readTree("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"hi\"}],\"max_tokens\":9,\"stream\":true,\"stream_options\":{\"include_usage\":true}}"));
    }

    @Test
    void turnsAReasoningEffortIntoAThinkingBudgetAndAJsonSchemaIntoAForcedToolForAnthropic() throws Exception {
        ResponsesRequest request = parse("{\"model\":\"anthropic/claude-x\",\"input\":\"hi\","
                + "\"reasoning\":{\"effort\":\"high\"},\"max_output_tokens\":20000}");
        Route route = new Route(new UpstreamConfig("anthropic", URI.create("https://api.anthropic.com"),
                Optional.empty(), "anthropic"), "anthropic/claude-x", "claude-x");

        JsonNode sent = JSON.readTree(WireApis.plan(ClientApi.RESPONSES, "anthropic", request.upstreamBody(), route,
                generation(route, request)).upstreamBody());

        assertThat(sent.path("thinking")).isEqualTo(JSON.readTree("{\"type\":\"enabled\",\"budget_tokens\":16384}"));
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(20000);
        assertThat(sent.path("messages")).isEqualTo(JSON.readTree("[{\"role\":\"user\",\"content\":[{\"type\":"
                + "\"text\",\"text\":\"hi\"}]}]"));

        ResponsesRequest structured = parse("{\"model\":\"anthropic/claude-x\",\"input\":\"hi\",\"text\":{"
                + "\"format\":{\"type\":\"json_schema\",\"name\":\"city\",\"schema\":{\"type\":\"object\"}}}}");
        JsonNode forced = JSON.readTree(WireApis.plan(ClientApi.RESPONSES, "anthropic", structured.upstreamBody(),
                route, generation(route, structured)).upstreamBody());
        assertThat(forced.path("tool_choice").path("type").asText()).isEqualTo("tool");
        assertThat(forced.path("tools").get(0).path("input_schema")).isEqualTo(JSON.readTree("{\"type\":\"object\"}"));
    }

    private static Generation generation(Route route, ResponsesRequest request) {
        return new Generation("gen-1", "key-test", route, false, Price.parse("0:0", "test"), request.api(),
                request.body());
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            {"model":"a/b","input":"x","tools":[{"type":"web_search"}]}           | tools[0]: the built-in tool 'web_search'
            {"model":"a/b","input":"x","store":true}                              | store: true
            {"model":"a/b","input":"x","previous_response_id":"resp_1"}           | previous_response_id
            {"model":"a/b","input":"x","background":true}                         | background: true
            {"model":"a/b","input":"x","truncation":"auto"}                       | truncation
            {"model":"a/b","input":"x","prompt":{"id":"p"}}                       | prompt (no chat-completions counterpart)
            {"model":"a/b","input":[{"type":"item_reference","id":"x"}]}          | input[0]: a 'item_reference' item
            {"model":"a/b","input":[{"role":"user","content":[{"type":"input_image","file_id":"f"}]}]} | input[0].content[0]: an input_image without image_url
            {"model":"a/b","input":"x","text":{"format":{"type":"grammar"}}}      | text.format: a 'grammar' format
            """)
    void refusesWhatChatCompletionsCannotCarry(String body, String message) {
        assertThatThrownBy(() -> chat(body, "api.openai.com")).isInstanceOf(GatewayException.class)
                .hasMessageContaining(message).satisfies(e -> assertThat(((GatewayException) e).status()).isEqualTo(400));
    }
}
