package dev.anyrouter.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.WireApis;
import dev.anyrouter.config.Price;
import dev.anyrouter.config.UpstreamConfig;
import dev.anyrouter.routing.Route;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChatRequestTest {

    private static ChatRequest parse(String json) {
        return Fields.request(json.getBytes(StandardCharsets.UTF_8), BodyLimits.DEFAULTS, ChatRequest::checked);
    }

    @Test
    void keepsUnknownFieldsAndRewritesOnlyTheModelAndAsksForUsage() {
        ChatRequest request = parse("{\"model\":\"openai/gpt-4o\",\"stream\":true,\"seed\":7,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"vendor_x\":{\"a\":[1,2]}}");
        Route route = new Route(new UpstreamConfig("openai", URI.create("http://u/v1"), Optional.empty(),
                "openai"), "openai/gpt-4o", "gpt-4o");
        byte[] upstreamBody = WireApis.plan(request.api(), route.upstream().wireApi(), request.body(), route, new Generation("gen-1",
                "key-test", route, true, Price.parse("0:0", "test"), request.api(), request.body())).upstreamBody();

        assertThat(request.stream()).isTrue();
        assertThat(request.model()).isEqualTo("openai/gpt-4o");
        assertThat(new String(upstreamBody, StandardCharsets.UTF_8)).isEqualTo(
                "{\"model\":\"gpt-4o\",\"stream\":true,\"seed\":7,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                        + "\"vendor_x\":{\"a\":[1,2]},\"stream_options\":{\"include_usage\":true}}");
    }

    @Test
    void consumesOpenRouterFieldsAndTurnsUsageIncludeIntoTheUsageChunk() {
        ChatRequest request = parse("{\"model\":\"openai/gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}],\"models\":[\"anthropic/claude-test\"],\"provider\":{\"order\":[\"openai\"]},"
                + "\"transforms\":[\"middle-out\"],\"route\":\"fallback\",\"usage\":{\"include\":true}}");

        assertThat(request.upstreamBody().toString()).isEqualTo("{\"model\":\"openai/gpt-4o\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream_options\":{\"include_usage\":true}}");
        assertThat(request.body().has("usage")).as("the client's body stays as it came").isTrue();
    }

    @Test
    void usageIncludeOfAJsonAnswerAsksForNothingMore() {
        ChatRequest request = parse("{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}],\"usage\":{\"include\":true}}");

        assertThat(request.upstreamBody().toString()).isEqualTo("{\"model\":\"openai/gpt-4o\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }

    @Test
    void acceptsToolTurnsAndContentParts() {
        ChatRequest request = parse("{\"model\":\"a/b\",\"messages\":["
                + "{\"role\":\"system\",\"content\":\"s\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"x\"}]},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\","
                + "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"c\",\"content\":\"42\"}]}");

        assertThat(request.stream()).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{|request body is not valid JSON",
        "[]|request body: expected a JSON object",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|model: missing",
        "{\"model\":7,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|model: 7 (expected: a string",
        "{\"model\":\"/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|model: '/gpt-4o' (expected: \"provider/model\"",
        "{\"model\":\"a/\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|model: 'a/'",
        "{\"model\":\"a/b\"}|messages: missing",
        "{\"model\":\"a/b\",\"messages\":[]}|messages: [] (expected: a non-empty array)",
        "{\"model\":\"a/b\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}|messages[0].role: \"robot\"",
        "{\"model\":\"a/b\",\"messages\":[{\"content\":\"x\"}]}|messages[0].role: missing",
        "{\"model\":\"a/b\",\"messages\":[{\"role\":\"user\"}]}|messages[0].content: missing",
        "{\"model\":\"a/b\",\"messages\":[{\"role\":\"user\",\"content\":5}]}|messages[0].content: 5",
        "{\"model\":\"a/b\",\"messages\":[{\"role\":\"user\",\"content\":[\"x\"]}]}|messages[0].content[0]",
        "{\"model\":\"a/b\",\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}|messages[0].tool_call_id: missing",
        "{\"model\":\"a/b\",\"stream\":\"yes\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|stream: \"yes\" (expected: true or false)",
        "{\"model\":\"a/b\",\"stream_options\":{},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|stream_options: only allowed when stream is true",
        "{\"model\":\"a/b\",\"temperature\":\"hot\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|temperature: \"hot\" (expected: a number)",
        "{\"model\":\"a/b\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|max_tokens: 0",
        "{\"model\":\"a/b\",\"n\":1.5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|n: 1.5",
        "{\"model\":\"a/b\",\"tools\":{},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|tools: {} (expected: an array)",
        "{\"model\":\"a/b\",\"tools\":[1],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|tools[0]: 1 (expected: an object with function.name)",
        "{\"model\":\"a/b\",\"stop\":[1],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|stop: [1] (expected: a string or an array of strings)",
        "{\"model\":\"a/b\",\"messages\":[{\"role\":\"assistant\",\"tool_calls\":{\"a\":1}}]}|messages[0].tool_calls: {\"a\":1} (expected: an array of tool calls)",
        "{\"model\":\"a/b\",\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\"}]}]}|messages[0].tool_calls[0]: {\"id\":\"c\"} (expected: an object with a string id and function.name)",
        "{\"model\":\"a/b\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} x|request body is not valid JSON",
        "{\"model\":\"a/b\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}{}|request body is not valid JSON",
        "{\"model\":\"a/b\",\"temperature\":1e999,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|request body: a number is out of range",
        "{\"model\":\"a/b\",\"x\":[-1e999],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|request body: a number is out of range",
        "{\"model\":\"a/b\",\"reasoning\":{\"max_tokens\":2147483647},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|reasoning.max_tokens: 2147483647 (expected: a whole number from 1 to 1000000)",
        "{\"model\":\"a/b\",\"reasoning\":{\"max_tokens\":-5},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|reasoning.max_tokens: -5",
        "{\"model\":\"a/b\",\"reasoning\":{\"effort\":1},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|reasoning.effort: 1",
        "{\"model\":\"a/b\",\"reasoning\":\"high\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|reasoning: \"high\" (expected: an object)",
        "{\"model\":\"a/b\",\"provider\":[\"openai\"],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|provider: [\"openai\"] (expected: an object of provider preferences)",
        "{\"model\":\"a/b\",\"transforms\":\"middle-out\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|transforms: \"middle-out\" (expected: an array of strings)",
        "{\"model\":\"a/b\",\"route\":1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|route: 1 (expected: a string)",
        "{\"model\":\"a/b\",\"usage\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|usage: true (expected: an object such as {\"include\": true})",
        "{\"model\":\"a/b\",\"usage\":{\"include\":\"yes\"},\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|usage.include: \"yes\" (expected: true or false)",
        "{\"model\":\"a/b\",\"models\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|models: \"openai/gpt-4o\" (expected: an array",
    })
    void rejectsBadInputWithA400NamingTheField(String body, String message) {
        assertThatThrownBy(() -> parse(body))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining(message);
    }

    @Test
    void rejectsAModelNameLongerThanTheLedgerKeeps() {
        assertThatThrownBy(() -> parse("{\"model\":\"openai/" + "x".repeat(200) + "\",\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"hi\"}]}"))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessage("model: 207 characters (expected: at most 200)");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"model\":\"openai/gpt-4o\\u0000\"|model: a control character (U+0000) at index 13",
        "\"model\":\"openai/gpt\\n4o\"|model: a control character (U+000A) at index 10",
        "\"model\":\"openai/gpt-4o\\u007f\"|model: a control character (U+007F) at index 13",
        "\"model\":\"openai/gpt-4o\",\"models\":[\"a/b\",\"anthropic/c\\u0085\"]|models[1]: a control character (U+0085)",
    })
    void rejectsControlCharactersInModelNamesWithA400(String members, String message) {
        assertThatThrownBy(() -> parse("{" + members + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageStartingWith(message)
                .satisfies(e -> assertThat(e.getMessage()).as("the character is named, never echoed")
                        .doesNotContain("\u0000", "\n", "\u007f", "\u0085"));
    }
}
