package dev.anyrouter.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.api.spi.Plan;
import dev.anyrouter.api.spi.WireApis;
import dev.anyrouter.json.Json;
import dev.anyrouter.routing.Route;
import java.io.IOException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request bodies across the two APIs (docs/wire-format.md section 4): {@code requests/<case>.chat.json} must reach an
 * Anthropic upstream as {@code <case>.anthropic.json}, {@code <case>.messages.json} an OpenAI upstream as
 * {@code <case>.openai.json}; what the other API cannot express is a 400 naming it.
 */
class RequestTranslationTest {

    static List<String> chatCases() {
        return Fixtures.cases("requests", ".chat.json");
    }

    static List<String> messagesCases() {
        return Fixtures.cases("requests", ".messages.json");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("chatCases")
    void chatRequestReachesAnthropicAsExpected(String name) throws IOException {
        ObjectNode body = (ObjectNode) Fixtures.json("requests/" + name + ".chat.json");

        assertThat(upstreamBody(ClientApi.CHAT_COMPLETIONS, body, Fixtures.ANTHROPIC))
                .isEqualTo(Fixtures.json("requests/" + name + ".anthropic.json"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messagesCases")
    void messagesRequestReachesOpenAiAsExpected(String name) throws IOException {
        ObjectNode body = (ObjectNode) Fixtures.json("requests/" + name + ".messages.json");

        assertThat(upstreamBody(ClientApi.MESSAGES, body, Fixtures.OPENAI))
                .isEqualTo(Fixtures.json("requests/" + name + ".openai.json"));
    }

    @Test
    void everyRequestCaseHasItsExpectedFile() {
        assertThat(chatCases()).hasSizeGreaterThanOrEqualTo(10)
                .isEqualTo(Fixtures.cases("requests", ".anthropic.json"));
        assertThat(messagesCases()).hasSizeGreaterThanOrEqualTo(10)
                .isEqualTo(Fixtures.cases("requests", ".openai.json"));
    }

    static Stream<Arguments> chatRequestsAnthropicCannotTake() {
        return Stream.of(
                Arguments.of("an input_audio part", """
                        {"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":[
                          {"type":"text","text":"Transcribe this"},
                          {"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}}]}]}""",
                        "cannot send to an Anthropic model: messages[0].content[1]: a 'input_audio' part"),
                Arguments.of("n: 2", """
                        {"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":"Hi"}],"n":2}""",
                        "cannot send to an Anthropic model: n: 2"),
                Arguments.of("response_format json_schema with tools", """
                        {"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":"Hi"}],
                         "tools":[{"type":"function","function":{"name":"f"}}],
                         "response_format":{"type":"json_schema","json_schema":{"name":"answer",
                           "schema":{"type":"object","properties":{"a":{"type":"string"}}}}}}""",
                        "cannot send to an Anthropic model: response_format json_schema with tools"),
                Arguments.of("response_format json_schema whose schema is not an object", """
                        {"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":"Hi"}],
                         "response_format":{"type":"json_schema","json_schema":{"name":"answer",
                           "schema":{"type":"array"}}}}""",
                        "response_format.json_schema.schema: {\"type\":\"array\"} (expected: a JSON schema of type object"),
                Arguments.of("response_format json_schema with a bad name", """
                        {"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":"Hi"}],
                         "response_format":{"type":"json_schema","json_schema":{"name":"my answer",
                           "schema":{"type":"object"}}}}""",
                        "response_format.json_schema.name: \"my answer\" (expected: 1 to 64 letters"),
                Arguments.of("response_format of an unknown type", """
                        {"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":"Hi"}],
                         "response_format":{"type":"yaml"}}""",
                        "response_format: {\"type\":\"yaml\"} (expected: an object whose type is"),
                Arguments.of("response_format json_object with reasoning", """
                        {"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":"Hi"}],
                         "response_format":{"type":"json_object"},"reasoning_effort":"low"}""",
                        "cannot send to an Anthropic model: reasoning with a JSON response_format"),
                Arguments.of("logprobs: true", """
                        {"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":"Hi"}],
                         "logprobs":true,"top_logprobs":2}""",
                        "cannot send to an Anthropic model: logprobs"),
                Arguments.of("audio output", """
                        {"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":"Hi"}],
                         "modalities":["text","audio"]}""",
                        "cannot send to an Anthropic model: modalities"),
                Arguments.of("unparseable tool arguments", """
                        {"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":"Weather?"},
                          {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                            "function":{"name":"get_weather","arguments":"{\\"city\\": \\"Par"}}]},
                          {"role":"tool","tool_call_id":"call_1","content":"18 C"}]}""",
                        "messages[1].tool_calls[0].function.arguments: expected a JSON object"),
                Arguments.of("tool arguments that are not an object", """
                        {"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":"Weather?"},
                          {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                            "function":{"name":"get_weather","arguments":"[\\"Paris\\"]"}}]}]}""",
                        "messages[1].tool_calls[0].function.arguments: expected a JSON object"),
                Arguments.of("an image in a system message", """
                        {"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"system","content":[
                          {"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]},
                          {"role":"user","content":"Hi"}]}""",
                        "cannot send to an Anthropic model: messages[0].content[0]: an image here"),
                Arguments.of("an image that is neither a data nor an http URL", """
                        {"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":[
                          {"type":"image_url","image_url":{"url":"file:///etc/passwd"}}]}]}""",
                        "messages[0].content[0].image_url.url: expected a base64 data URL or an http(s) URL"),
                Arguments.of("a cache_control that is not an object", """
                        {"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":[
                          {"type":"text","text":"Hi","cache_control":"ephemeral"}]}]}""",
                        "messages[0].content[0].cache_control: \"ephemeral\" (expected: an object with a string type"),
                Arguments.of("a cache_control without a type", """
                        {"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":"Hi"}],
                         "tools":[{"type":"function","function":{"name":"f"},"cache_control":{"ttl":"5m"}}]}""",
                        "tools[0].cache_control: {\"ttl\":\"5m\"} (expected: an object with a string type"),
                Arguments.of("an unknown field", """
                        {"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":"Hi"}],
                         "web_search_options":{}}""",
                        "cannot send to an Anthropic model: web_search_options (no Messages API counterpart)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("chatRequestsAnthropicCannotTake")
    void chatRequestAnthropicCannotTakeIsA400(String what, String json, String message) {
        assertRejected(ClientApi.CHAT_COMPLETIONS, json, Fixtures.ANTHROPIC, message);
    }

    static Stream<Arguments> messagesRequestsOpenAiCannotTake() {
        return Stream.of(
                Arguments.of("a document block", """
                        {"model":"openai/gpt-4o","max_tokens":1024,"messages":[{"role":"user","content":[
                          {"type":"text","text":"Summarise this"},
                          {"type":"document","source":{"type":"base64","media_type":"application/pdf",
                            "data":"JVBERi0xLjQ="}}]}]}""",
                        "cannot send to an OpenAI-compatible model: messages[0].content[1]: a 'document' block"),
                Arguments.of("a server tool", """
                        {"model":"openai/gpt-4o","max_tokens":1024,"messages":[{"role":"user","content":"News?"}],
                         "tools":[{"type":"web_search_20250305","name":"web_search","max_uses":5}]}""",
                        "cannot send to an OpenAI-compatible model: tools[0]: the server tool 'web_search_20250305'"),
                Arguments.of("an unknown top-level field", """
                        {"model":"openai/gpt-4o","max_tokens":1024,"messages":[{"role":"user","content":"Hi"}],
                         "mcp_servers":[{"type":"url","url":"https://example.com/sse","name":"example"}]}""",
                        "cannot send to an OpenAI-compatible model: mcp_servers (no chat-completions counterpart)"),
                Arguments.of("an image from a file source", """
                        {"model":"openai/gpt-4o","max_tokens":1024,"messages":[{"role":"user","content":[
                          {"type":"image","source":{"type":"file","file_id":"file_011CNha8iCJcU1wXNR6q4V8w"}}]}]}""",
                        "cannot send to an OpenAI-compatible model: messages[0].content[0]: an image from a 'file'"),
                Arguments.of("an image in a tool result", """
                        {"model":"openai/gpt-4o","max_tokens":1024,"messages":[{"role":"user","content":"Look"},
                          {"role":"assistant","content":[{"type":"tool_use","id":"toolu_01","name":"shot","input":{}}]},
                          {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":[
                            {"type":"image","source":{"type":"url","url":"https://example.com/a.png"}}]}]}]}""",
                        "cannot send to an OpenAI-compatible model: messages[2].content[0]: a 'image' block"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messagesRequestsOpenAiCannotTake")
    void messagesRequestOpenAiCannotTakeIsA400(String what, String json, String message) {
        assertRejected(ClientApi.MESSAGES, json, Fixtures.OPENAI, message);
    }

    @Test
    void planPassesThroughWhenBothSidesSpeakTheSameApi() throws IOException {
        ObjectNode chat = Fixtures.object("{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Hi\"}],\"seed\":7,\"logprobs\":true}");
        ObjectNode messages = Fixtures.object("{\"model\":\"anthropic/claude-sonnet-4-5\",\"max_tokens\":5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"container\":\"c\"}");

        Plan openAi = WireApis.plan(ClientApi.CHAT_COMPLETIONS, Fixtures.OPENAI.upstream().wireApi(), chat, Fixtures.OPENAI,
                Fixtures.generation(Fixtures.OPENAI, false));
        Plan anthropic = WireApis.plan(ClientApi.MESSAGES, Fixtures.ANTHROPIC.upstream().wireApi(), messages, Fixtures.ANTHROPIC,
                Fixtures.generation(Fixtures.ANTHROPIC, false));

        assertThat(openAi.codec()).extracting(codec -> codec.getClass().getSimpleName()).isEqualTo("OpenAiPassThrough");
        assertThat(Json.MAPPER.readTree(openAi.upstreamBody()))
                .isEqualTo(chat.deepCopy().put("model", "gpt-4o"));
        assertThat(anthropic.codec()).extracting(codec -> codec.getClass().getSimpleName()).isEqualTo("AnthropicPassThrough");
        assertThat(Json.MAPPER.readTree(anthropic.upstreamBody()))
                .isEqualTo(messages.deepCopy().put("model", "claude-sonnet-4-5"));
    }

    @Test
    void planTranslatesBetweenTheApis() {
        ObjectNode chat = Fixtures.object("{\"model\":\"anthropic/claude-sonnet-4-5\",\"messages\":[]}");
        ObjectNode messages = Fixtures.object("{\"model\":\"openai/gpt-4o\",\"max_tokens\":5,\"messages\":[]}");

        assertThat(WireApis.plan(ClientApi.CHAT_COMPLETIONS, Fixtures.ANTHROPIC.upstream().wireApi(), chat, Fixtures.ANTHROPIC,
                Fixtures.generation(Fixtures.ANTHROPIC, true)).codec()).extracting(codec -> codec.getClass().getSimpleName()).isEqualTo("AnthropicToOpenAi");
        assertThat(WireApis.plan(ClientApi.MESSAGES, Fixtures.OPENAI.upstream().wireApi(), messages, Fixtures.OPENAI,
                Fixtures.generation(Fixtures.OPENAI, true)).codec()).extracting(codec -> codec.getClass().getSimpleName()).isEqualTo("OpenAiToAnthropic");
    }

    /** The client's body may be planned again for the next route of a fallback list: it must stay as it came. */
    @Test
    void planLeavesTheClientsBodyAsItCame() {
        ObjectNode chat = (ObjectNode) Fixtures.json("requests/tool-history.chat.json");
        ObjectNode messages = (ObjectNode) Fixtures.json("requests/tool-history.messages.json");
        JsonNode chatBefore = chat.deepCopy();
        JsonNode messagesBefore = messages.deepCopy();

        WireApis.plan(ClientApi.CHAT_COMPLETIONS, Fixtures.ANTHROPIC.upstream().wireApi(), chat, Fixtures.ANTHROPIC, Fixtures.generation(Fixtures.ANTHROPIC,
                false));
        WireApis.plan(ClientApi.CHAT_COMPLETIONS, Fixtures.OPENAI.upstream().wireApi(), chat, Fixtures.OPENAI, Fixtures.generation(Fixtures.OPENAI, false));
        WireApis.plan(ClientApi.MESSAGES, Fixtures.OPENAI.upstream().wireApi(), messages, Fixtures.OPENAI, Fixtures.generation(Fixtures.OPENAI, false));

        assertThat(chat).isEqualTo(chatBefore);
        assertThat(messages).isEqualTo(messagesBefore);
    }

    /**
     * OpenAI takes {@code temperature} from 0 to 2, Anthropic from 0 to 1: passed on as it is, 1.5 is an upstream
     * 400 that names a field the client never sent to Anthropic. The gateway should clamp it or reject it itself.
     */
    @Test
    void chatTemperatureAboveAnthropicsRangeIsNotSentAsItIs() throws IOException {
        ObjectNode chat = Fixtures.object("{\"model\":\"anthropic/claude-sonnet-4-5\",\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"Hi\"}],\"temperature\":1.5}");

        JsonNode sent;
        try {
            sent = upstreamBody(ClientApi.CHAT_COMPLETIONS, chat, Fixtures.ANTHROPIC);
        } catch (GatewayException rejected) { // rejecting it with a clear 400 is as good as clamping it
            assertThat(rejected.status()).isEqualTo(400);
            assertThat(rejected.getMessage()).contains("temperature");
            return;
        }
        assertThat(sent.path("temperature").asDouble()).as("temperature sent to Anthropic").isBetween(0.0, 1.0);
    }

    /** OpenAI's {@code reasoning_effort: "none"} (GPT-5.1 and later) asks for no reasoning at all. */
    @Test
    void reasoningEffortNoneAsksAnthropicForNoThinking() throws IOException {
        ObjectNode chat = Fixtures.object("{\"model\":\"anthropic/claude-sonnet-4-5\",\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"Hi\"}],\"reasoning_effort\":\"none\"}");

        JsonNode sent = upstreamBody(ClientApi.CHAT_COMPLETIONS, chat, Fixtures.ANTHROPIC);

        assertThat(sent.path("thinking").path("type").asText("disabled")).isEqualTo("disabled");
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(4096);
    }

    /**
     * With thinking on, Anthropic wants the last assistant turn of a tool loop to start with its thinking block
     * (signed), and a chat client has no way to send one back: "Expected `thinking` or `redacted_thinking`, but
     * found `tool_use`" on the second request of every tool loop. Without that block thinking must stay off.
     */
    @Test
    void reasoningEffortInAToolLoopDoesNotEnableThinkingWithoutAThinkingBlock() throws IOException {
        ObjectNode chat = (ObjectNode) Fixtures.json("requests/tool-history.chat.json");
        chat.put("reasoning_effort", "medium");

        JsonNode sent = upstreamBody(ClientApi.CHAT_COMPLETIONS, chat, Fixtures.ANTHROPIC);

        JsonNode lastAssistant = null;
        for (JsonNode message : sent.path("messages")) {
            if (message.path("role").asText().equals("assistant")) {
                lastAssistant = message;
            }
        }
        assertThat(lastAssistant).isNotNull();
        if (sent.path("thinking").path("type").asText().equals("enabled")) {
            assertThat(lastAssistant.path("content").path(0).path("type").asText())
                    .as("first block of the last assistant turn, with thinking enabled")
                    .isIn("thinking", "redacted_thinking");
        }
    }

    /** Anthropic: "Thinking may not be enabled when tool_choice forces tool use" (any or a named tool). */
    @Test
    void reasoningEffortWithAForcedToolChoiceIsNotSentAsItIs() throws IOException {
        ObjectNode chat = (ObjectNode) Fixtures.json("requests/tool-choice-required-not-parallel.chat.json");
        chat.put("reasoning_effort", "low");

        JsonNode sent;
        try {
            sent = upstreamBody(ClientApi.CHAT_COMPLETIONS, chat, Fixtures.ANTHROPIC);
        } catch (GatewayException rejected) { // a clear 400 from the gateway is as good
            assertThat(rejected.status()).isEqualTo(400);
            assertThat(rejected.getMessage()).contains("reasoning_effort").contains("tool_choice");
            return;
        }
        boolean thinking = sent.path("thinking").path("type").asText().equals("enabled");
        boolean forced = List.of("any", "tool").contains(sent.path("tool_choice").path("type").asText());
        assertThat(thinking && forced).as("thinking with a forced tool_choice: %s", sent).isFalse();
    }

    /**
     * OpenAI's {@code max_completion_tokens} bounds visible and reasoning tokens together, and Anthropic's
     * {@code max_tokens} includes the thinking budget: the client's bound fits the budget inside it, it does not
     * grow to budget + 4096.
     */
    @Test
    void reasoningEffortKeepsTheClientsTokenBound() throws IOException {
        ObjectNode chat = Fixtures.object("{\"model\":\"anthropic/claude-sonnet-4-5\",\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"Prove it.\"}],\"reasoning_effort\":\"high\",\"max_completion_tokens\":2000}");

        JsonNode sent = upstreamBody(ClientApi.CHAT_COMPLETIONS, chat, Fixtures.ANTHROPIC);

        assertThat(sent.path("max_tokens").asInt()).isEqualTo(2000);
        assertThat(sent.path("thinking").path("budget_tokens").asInt()).isBetween(1024, 1999);
    }

    private static JsonNode upstreamBody(ClientApi client, ObjectNode body, Route route) throws IOException {
        byte[] bytes = WireApis.plan(client, route.upstream().wireApi(), body, route, Fixtures.generation(route, false)).upstreamBody();
        return Json.MAPPER.readTree(bytes);
    }

    private static void assertRejected(ClientApi client, String json, Route route, String message) {
        ObjectNode body = Fixtures.object(json);
        assertThatThrownBy(() -> WireApis.plan(client, route.upstream().wireApi(), body, route, Fixtures.generation(route, false)))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).contains(message);
                });
    }
}
