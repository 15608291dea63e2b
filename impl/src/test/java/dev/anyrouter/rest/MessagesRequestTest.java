package dev.anyrouter.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.api.spi.WireApis;
import dev.anyrouter.config.Price;
import dev.anyrouter.config.UpstreamConfig;
import dev.anyrouter.routing.Route;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What the Messages route accepts and how it names what it rejects (docs/wire-format.md section 3). */
class MessagesRequestTest {

    private static final String HI = "[{'role':'user','content':'hi'}]";
    private static final String TOOL = "{'name':'get_weather','input_schema':{'type':'object',"
            + "'properties':{'city':{'type':'string'}},'required':['city']}}";
    private static final String TOOL_USE = "{'type':'tool_use','id':'toolu_1','name':'get_weather',"
            + "'input':{'city':'Paris'}}";

    /** A body written with single quotes, so the tables stay readable. */
    private static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    /** A body of model {@code anthropic/claude-test} with {@code max_tokens} 16 and the given members. */
    private static String body(String members) {
        return json("{'model':'anthropic/claude-test','max_tokens':16," + members + "}");
    }

    private static MessagesRequest parse(String body) {
        return Fields.request(body.getBytes(StandardCharsets.UTF_8), BodyLimits.DEFAULTS, MessagesRequest::checked);
    }

    @Test
    void listsTheModelToTryThenItsFallbacksAndKeepsTheListFromTheUpstream() {
        MessagesRequest request = parse(body("'fallbacks':['openai/gpt-4o','anthropic/claude-test','a/b'],"
                + "'messages':" + HI));

        assertThat(request.model()).isEqualTo("anthropic/claude-test");
        assertThat(request.fallbacks()).containsExactly("openai/gpt-4o", "anthropic/claude-test", "a/b");
        assertThat(request.upstreamBody().has("fallbacks")).isFalse();
        assertThat(request.body().has("fallbacks")).as("the client's body is untouched").isTrue();
    }

    @Test
    void leavesOpenRouterFieldsOutOfTheUpstreamBody() {
        MessagesRequest request = parse(body("'messages':" + HI + ",'provider':{'order':['anthropic']},"
                + "'transforms':[],'route':'fallback','usage':{'include':true}"));

        assertThat(request.upstreamBody().toString()).isEqualTo(json(body("'messages':" + HI)));
    }

    static Stream<Arguments> accepted() {
        return Stream.of(
                Arguments.of("plain text", body("'messages':" + HI), false),
                Arguments.of("system string", body("'system':'Be brief.','messages':" + HI), false),
                Arguments.of("system text blocks", body("'system':[{'type':'text','text':'Be brief.'},"
                        + "{'type':'text','text':'Use French.','cache_control':{'type':'ephemeral'}}],'messages':"
                        + HI), false),
                Arguments.of("image base64 block", body("'messages':[{'role':'user','content':["
                        + "{'type':'image','source':{'type':'base64','media_type':'image/png','data':'iVBORw0KGgo='}},"
                        + "{'type':'text','text':'What is this?'}]}]"), false),
                Arguments.of("image url block", body("'messages':[{'role':'user','content':["
                        + "{'type':'image','source':{'type':'url','url':'https://example.com/a.png'}}]}]"), false),
                Arguments.of("tool round trip", body("'tools':[" + TOOL + "],'messages':["
                        + "{'role':'user','content':'Weather in Paris?'},"
                        + "{'role':'assistant','content':[{'type':'text','text':'Checking.'}," + TOOL_USE + "]},"
                        + "{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_1','content':'18C'},"
                        + "{'type':'text','text':'Thanks'}]}]"), false),
                Arguments.of("tool_result with block content", body("'tools':[" + TOOL + "],'messages':["
                        + "{'role':'user','content':'Weather?'},{'role':'assistant','content':[" + TOOL_USE + "]},"
                        + "{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_1','is_error':true,"
                        + "'content':[{'type':'text','text':'down'}]}]}]"), false),
                Arguments.of("forced tool that is declared", body("'tools':[" + TOOL + "],"
                        + "'tool_choice':{'type':'tool','name':'get_weather'},'messages':" + HI), false),
                Arguments.of("tool_choice any", body("'tools':[" + TOOL + "],"
                        + "'tool_choice':{'type':'any'},'messages':" + HI), false),
                Arguments.of("server tool without input_schema", body("'tools':[{'type':'web_search_20250305',"
                        + "'name':'web_search'}],'messages':" + HI), false),
                Arguments.of("thinking block in assistant", body("'thinking':{'type':'enabled','budget_tokens':1024},"
                        + "'messages':[{'role':'user','content':'2+2?'},{'role':'assistant','content':["
                        + "{'type':'thinking','thinking':'Add them.','signature':'sig'},"
                        + "{'type':'redacted_thinking','data':'opaque'},{'type':'text','text':'4'}]},"
                        + "{'role':'user','content':'And 3+3?'}]"), false),
                Arguments.of("assistant prefill last", body("'messages':[{'role':'user','content':'hi'},"
                        + "{'role':'assistant','content':'Hello'}]"), false),
                Arguments.of("numbers and stop sequences", body("'temperature':0.2,'top_p':1,'top_k':5,"
                        + "'stop_sequences':['END','\\n\\nHuman:'],'metadata':{'user_id':'u1'},'messages':" + HI),
                        false),
                Arguments.of("nulls for optional fields", body("'system':null,'tools':null,'tool_choice':null,"
                        + "'temperature':null,'stop_sequences':null,'stream':null,'messages':" + HI), false),
                Arguments.of("stream true", body("'stream':true,'messages':" + HI), true),
                Arguments.of("stream false", body("'stream':false,'messages':" + HI), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("accepted")
    void acceptsValidMessagesBodies(String name, String body, boolean stream) {
        MessagesRequest request = parse(body);

        assertThat(request.model()).isEqualTo("anthropic/claude-test");
        assertThat(request.stream()).isEqualTo(stream);
        assertThat(request.api()).isEqualTo(ClientApi.MESSAGES);
    }

    @Test
    void passesTheBodyOnWithOnlyTheModelRewritten() {
        String body = body("'stream':true,'system':[{'type':'text','text':'s'}],'messages':" + HI
                + ",'metadata':{'user_id':'u1'},'simulation':{'chunks':3},'vendor_x':[1,{'a':null}]");
        Route route = new Route(new UpstreamConfig("anthropic", URI.create("http://u"), Optional.empty(),
                "anthropic"), "anthropic/claude-test", "claude-test");

        MessagesRequest request = parse(body);
        byte[] upstream = WireApis.plan(request.api(), route.upstream().wireApi(), request.body(), route,
                new Generation("gen-1", "key-test", route, true, Price.parse("0:0", "test"), request.api(), request.body())).upstreamBody();

        assertThat(new String(upstream, StandardCharsets.UTF_8)).isEqualTo(body.replace("anthropic/claude-test",
                "claude-test"));
    }

    @Test
    void acceptsTheBlocksAServerToolLeftInTheConversation() {
        String body = body("'tools':[{'type':'web_search_20250305','name':'web_search','max_uses':1}],"
                + "'messages':[{'role':'user','content':'News about Paris?'},{'role':'assistant','content':["
                + "{'type':'server_tool_use','id':'srvtoolu_1','name':'web_search','input':{'query':'Paris'}},"
                + "{'type':'web_search_tool_result','tool_use_id':'srvtoolu_1','content':[{'type':"
                + "'web_search_result','url':'https://e.org','title':'t','encrypted_content':'abc'}]},"
                + "{'type':'text','text':'Here is the news.'}]},{'role':'user','content':'Thanks, more?'}]");

        assertThat(parse(body).model()).isEqualTo("anthropic/claude-test");
    }

    static Stream<Arguments> rejected() {
        return Stream.of(
                Arguments.of("provider preferences that are not an object", body("'messages':" + HI
                        + ",'provider':'anthropic'"), "provider: \"anthropic\" (expected: an object"),
                Arguments.of("missing max_tokens",
                        json("{'model':'anthropic/claude-test','messages':" + HI + "}"),
                        "max_tokens: missing (expected: a whole number of at least 1"),
                Arguments.of("null max_tokens",
                        json("{'model':'anthropic/claude-test','max_tokens':null,'messages':" + HI + "}"),
                        "max_tokens: missing"),
                Arguments.of("max_tokens 0",
                        json("{'model':'anthropic/claude-test','max_tokens':0,'messages':" + HI + "}"),
                        "max_tokens: 0 (expected: a whole number of at least 1)"),
                Arguments.of("max_tokens as a string",
                        json("{'model':'anthropic/claude-test','max_tokens':'10','messages':" + HI + "}"),
                        "max_tokens: \"10\" (expected: a whole number of at least 1)"),
                Arguments.of("max_tokens fractional",
                        json("{'model':'anthropic/claude-test','max_tokens':1.5,'messages':" + HI + "}"),
                        "max_tokens: 1.5"),
                Arguments.of("model with an empty provider",
                        json("{'model':'/claude-sonnet-4','max_tokens':16,'messages':" + HI + "}"),
                        "model: '/claude-sonnet-4' (expected: \"provider/model\""),
                Arguments.of("model missing", json("{'max_tokens':16,'messages':" + HI + "}"), "model: missing"),
                Arguments.of("messages missing", body("'system':'s'"), "messages: missing"),
                Arguments.of("empty messages", body("'messages':[]"), "messages: [] (expected: a non-empty array)"),
                Arguments.of("first message from the assistant",
                        body("'messages':[{'role':'assistant','content':'hi'},{'role':'user','content':'x'}]"),
                        "messages[0].role: the first message must be from the user"),
                Arguments.of("two user messages in a row",
                        body("'messages':[{'role':'user','content':'a'},{'role':'user','content':'b'}]"),
                        "messages[1].role: two 'user' messages in a row"),
                Arguments.of("two assistant messages in a row",
                        body("'messages':[{'role':'user','content':'a'},{'role':'assistant','content':'b'},"
                                + "{'role':'assistant','content':'c'}]"),
                        "messages[2].role: two 'assistant' messages in a row"),
                Arguments.of("unknown role", body("'messages':[{'role':'robot','content':'hi'}]"),
                        "messages[0].role: \"robot\" (expected: \"user\" or \"assistant\")"),
                Arguments.of("system as a message role", body("'messages':[{'role':'system','content':'s'},"
                        + "{'role':'user','content':'hi'}]"), "messages[0].role: \"system\""),
                Arguments.of("role missing", body("'messages':[{'content':'hi'}]"), "messages[0].role: missing"),
                Arguments.of("fallbacks not a list", body("'fallbacks':'openai/gpt-4o','messages':" + HI),
                        "fallbacks: \"openai/gpt-4o\" (expected: an array of at most 5"),
                Arguments.of("fallback with an empty model", body("'fallbacks':['claude/'],'messages':" + HI),
                        "fallbacks[0]: 'claude/' (expected: \"provider/model\""),
                Arguments.of("too many fallbacks", body("'fallbacks':['a/1','a/2','a/3','a/4','a/5','a/6'],"
                        + "'messages':" + HI), "fallbacks: [\"a/1\""),
                Arguments.of("content missing", body("'messages':[{'role':'user'}]"),
                        "messages[0].content: missing (expected: a string or a non-empty array of content blocks)"),
                Arguments.of("content an empty array", body("'messages':[{'role':'user','content':[]}]"),
                        "messages[0].content: []"),
                Arguments.of("content block without a type",
                        body("'messages':[{'role':'user','content':[{'text':'x'}]}]"),
                        "messages[0].content[0]: {\"text\":\"x\"} (expected: a content block: an object with a "
                                + "string type)"),
                Arguments.of("content block not an object",
                        body("'messages':[{'role':'user','content':['hi']}]"), "messages[0].content[0]: \"hi\""),
                Arguments.of("text block without text",
                        body("'messages':[{'role':'user','content':[{'type':'text'}]}]"),
                        "messages[0].content[0].text: missing (expected: a string)"),
                Arguments.of("text block with a number",
                        body("'messages':[{'role':'user','content':[{'type':'text','text':5}]}]"),
                        "messages[0].content[0].text: 5 (expected: a string)"),
                Arguments.of("image without a source",
                        body("'messages':[{'role':'user','content':[{'type':'image'}]}]"),
                        "messages[0].content[0].source: missing (expected: {\"type\": \"base64\""),
                Arguments.of("image with an unknown source type",
                        body("'messages':[{'role':'user','content':[{'type':'image','source':{'type':'ftp'}}]}]"),
                        "messages[0].content[0].source: {\"type\":\"ftp\"}"),
                Arguments.of("image base64 without data",
                        body("'messages':[{'role':'user','content':[{'type':'image','source':{'type':'base64',"
                                + "'media_type':'image/png'}}]}]"),
                        "messages[0].content[0].source.data: missing"),
                Arguments.of("image in an assistant message",
                        body("'messages':[{'role':'user','content':'x'},{'role':'assistant','content':["
                                + "{'type':'image','source':{'type':'url','url':'https://e/a.png'}}]}]"),
                        "messages[1].content[0]: a 'image' block cannot be in a assistant message"),
                Arguments.of("tool_use in a user message",
                        body("'tools':[" + TOOL + "],'messages':[{'role':'user','content':[" + TOOL_USE + "]}]"),
                        "messages[0].content[0]: a 'tool_use' block cannot be in a user message"),
                Arguments.of("tool_use without input",
                        body("'messages':[{'role':'user','content':'x'},{'role':'assistant','content':["
                                + "{'type':'tool_use','id':'toolu_1','name':'get_weather'}]}]"),
                        "messages[1].content[0].input: missing (expected: an object)"),
                Arguments.of("tool_result answering no tool_use",
                        body("'tools':[" + TOOL + "],'messages':[{'role':'user','content':'Weather?'},"
                                + "{'role':'assistant','content':[" + TOOL_USE + "]},"
                                + "{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_9',"
                                + "'content':'18C'}]}]"),
                        "messages[2].content[0].tool_use_id: 'toolu_9' answers no tool_use of an earlier "
                                + "assistant message"),
                Arguments.of("tool_result in the first message",
                        body("'messages':[{'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_1',"
                                + "'content':'18C'}]}]"),
                        "messages[0].content[0].tool_use_id: 'toolu_1' answers no tool_use"),
                Arguments.of("tool_result in an assistant message",
                        body("'messages':[{'role':'user','content':'x'},{'role':'assistant','content':["
                                + "{'type':'tool_result','tool_use_id':'toolu_1','content':'18C'}]}]"),
                        "messages[1].content[0]: a 'tool_result' block cannot be in a assistant message"),
                Arguments.of("thinking in a user message",
                        body("'messages':[{'role':'user','content':[{'type':'thinking','thinking':'t'}]}]"),
                        "messages[0].content[0]: a 'thinking' block cannot be in a user message"),
                Arguments.of("tool_choice naming an undeclared tool",
                        body("'tools':[" + TOOL + "],'tool_choice':{'type':'tool','name':'get_time'},'messages':"
                                + HI),
                        "tool_choice.name: 'get_time' is not one of the tools (declared: [get_weather])"),
                Arguments.of("tool_choice naming a tool with no tools",
                        body("'tool_choice':{'type':'tool','name':'get_time'},'messages':" + HI),
                        "tool_choice.name: 'get_time' is not one of the tools (declared: [])"),
                Arguments.of("tool_choice of an unknown type",
                        body("'tool_choice':{'type':'required'},'messages':" + HI),
                        "tool_choice: {\"type\":\"required\"}"),
                Arguments.of("tool without input_schema", body("'tools':[{'name':'t'}],'messages':" + HI),
                        "tools[0].input_schema: missing (expected: a JSON schema object)"),
                Arguments.of("system a number", body("'system':5,'messages':" + HI),
                        "system: 5 (expected: a string or an array of text blocks)"),
                Arguments.of("system an object", body("'system':{'text':'s'},'messages':" + HI),
                        "system: {\"text\":\"s\"} (expected: a string or an array of text blocks)"),
                Arguments.of("system array with an image block",
                        body("'system':[{'type':'image','source':{'type':'url','url':'u'}}],'messages':" + HI),
                        "system[0]: {\"type\":\"image\""),
                Arguments.of("system array of strings", body("'system':['s'],'messages':" + HI),
                        "system[0]: \"s\" (expected: a text block)"),
                Arguments.of("system text block without text",
                        body("'system':[{'type':'text'}],'messages':" + HI), "system[0].text: missing"),
                Arguments.of("stop_sequences with a number", body("'stop_sequences':['END',1],'messages':" + HI),
                        "stop_sequences: [\"END\",1] (expected: an array of strings)"),
                Arguments.of("stop_sequences a string", body("'stop_sequences':'END','messages':" + HI),
                        "stop_sequences: \"END\" (expected: an array of strings)"),
                Arguments.of("temperature a string", body("'temperature':'hot','messages':" + HI),
                        "temperature: \"hot\" (expected: a number)"),
                Arguments.of("top_p a boolean", body("'top_p':true,'messages':" + HI),
                        "top_p: true (expected: a number)"),
                Arguments.of("stream a string", body("'stream':'yes','messages':" + HI),
                        "stream: \"yes\" (expected: true or false)"),
                Arguments.of("a negative thinking budget",
                        body("'thinking':{'type':'enabled','budget_tokens':-1},'messages':" + HI),
                        "thinking.budget_tokens: -1 (expected: a whole number from 1 to 1000000)"),
                Arguments.of("a thinking budget past an int",
                        body("'thinking':{'type':'enabled','budget_tokens':2147483648},'messages':" + HI),
                        "thinking.budget_tokens: 2147483648"),
                Arguments.of("trailing data", body("'messages':" + HI) + " x", "request body is not valid JSON"),
                Arguments.of("a second value", body("'messages':" + HI) + "{}", "request body is not valid JSON"),
                Arguments.of("a number beyond a double", body("'temperature':1e999,'messages':" + HI),
                        "request body: a number is out of range"),
                Arguments.of("not JSON", "{", "request body is not valid JSON"),
                Arguments.of("not an object", "[]", "request body: expected a JSON object"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejected")
    void rejectsBadInputWithA400NamingTheField(String name, String body, String message) {
        assertThatThrownBy(() -> parse(body))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining(message);
    }

    @Test
    void rejectsControlCharactersInTheModelAndItsFallbacksWithA400() {
        assertThatThrownBy(() -> parse(json("{'model':'anthropic/claude\\u0000','max_tokens':16,'messages':" + HI
                + "}")))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageStartingWith("model: a control character (U+0000) at index 16");
        assertThatThrownBy(() -> parse(body("'fallbacks':['openai/gpt-4o','openai/x\\u001b[2J'],'messages':" + HI)))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageStartingWith("fallbacks[1]: a control character (U+001B) at index 8")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\u001b"));
    }

    @Test
    void aTokenCountIsAMessagesRequestWithoutMaxTokens() {
        MessagesRequest request = Fields.request(json("{'model':'anthropic/claude-test','system':'Be brief.',"
                + "'messages':" + HI + "}").getBytes(StandardCharsets.UTF_8), BodyLimits.DEFAULTS,
                MessagesRequest::counted);

        assertThat(request.api()).isEqualTo(ClientApi.MESSAGES);
        assertThat(request.stream()).isFalse();
    }

    @Test
    void aTokenCountChecksTheConversationAndRefusesAStream() {
        assertThatThrownBy(() -> Fields.request(json("{'model':'a/b','messages':[]}").getBytes(StandardCharsets.UTF_8),
                BodyLimits.DEFAULTS, MessagesRequest::counted)).hasMessage("messages: [] (expected: a non-empty array)");
        assertThatThrownBy(() -> Fields.request(json("{'model':'a/b','stream':true,'messages':" + HI + "}")
                .getBytes(StandardCharsets.UTF_8), BodyLimits.DEFAULTS, MessagesRequest::counted))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageStartingWith("stream: true");
    }
}
