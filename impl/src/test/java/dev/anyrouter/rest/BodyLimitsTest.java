package dev.anyrouter.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.config.BodyLimitsConfig;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** What one request body may hold: each limit is a clear 413 (a count) or 400 (nesting), in both APIs. */
class BodyLimitsTest {

    private static final BodyLimits SMALL = new BodyLimits(new BodyLimitsConfig(3, 4, 2, 10, 200));
    private static final String USER = "{\"role\":\"user\",\"content\":\"x\"}";
    private static final String ASSISTANT = "{\"role\":\"assistant\",\"content\":\"y\"}";

    private static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    private static ClientRequest chat(String json) {
        return Fields.request(bytes(json), SMALL, ChatRequest::checked);
    }

    private static ClientRequest defaults(String json) {
        return Fields.request(bytes(json), BodyLimits.DEFAULTS, ChatRequest::checked);
    }

    private static ClientRequest messages(String json) {
        return Fields.request(bytes(json), SMALL, MessagesRequest::checked);
    }

    private static void refused(Function<String, ClientRequest> parse, String json, int status, String message) {
        assertThatThrownBy(() -> parse.apply(json))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(status))
                .hasMessage(message);
    }

    @Test
    void acceptsABodyAtEveryLimit() {
        assertThat(chat("{\"model\":\"a/b\",\"messages\":[" + USER + "," + ASSISTANT + "," + USER + "],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}},"
                + "{\"type\":\"function\",\"function\":{\"name\":\"g\"}}]}").model()).isEqualTo("a/b");
    }

    @Test
    void refusesMoreMessagesThanTheLimitWithA413() {
        String four = String.join(",", USER, ASSISTANT, USER, ASSISTANT);
        refused(BodyLimitsTest::chat, "{\"model\":\"a/b\",\"messages\":[" + four + "]}", 413,
                "messages: 4 messages (expected: at most 3)");
        refused(BodyLimitsTest::messages, "{\"model\":\"a/b\",\"max_tokens\":5,\"messages\":[" + four + "]}", 413,
                "messages: 4 messages (expected: at most 3)");
    }

    @Test
    void countsContentPartsOfAllMessagesTheSystemPromptAndToolResults() {
        String text = "{\"type\":\"text\",\"text\":\"x\"}";
        refused(BodyLimitsTest::chat, "{\"model\":\"a/b\",\"messages\":[{\"role\":\"user\",\"content\":[" + text
                + "," + text + "," + text + "]},{\"role\":\"user\",\"content\":[" + text + "," + text + "]}]}", 413,
                "messages: 5 content parts in all (expected: at most 4)");
        refused(BodyLimitsTest::messages, "{\"model\":\"a/b\",\"max_tokens\":5,\"system\":[" + text + "," + text
                + "],\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t\","
                + "\"content\":[" + text + "," + text + "]}]}]}", 413,
                "messages: 5 content parts in all (expected: at most 4)");
    }

    @Test
    void refusesMoreToolsThanTheLimitWithA413() {
        String tool = "{\"name\":\"f\",\"input_schema\":{}}";
        refused(BodyLimitsTest::messages, "{\"model\":\"a/b\",\"max_tokens\":5,\"messages\":[" + USER
                + "],\"tools\":[" + tool + "," + tool + "," + tool + "]}", 413, "tools: 3 tools (expected: at most 2)");
    }

    @Test
    void refusesABodyNestedTooDeeplyWithA400() {
        String deep = "[".repeat(20) + "]".repeat(20);
        refused(BodyLimitsTest::chat, "{\"model\":\"a/b\",\"messages\":[" + USER + "],\"x\":" + deep + "}", 400,
                "request body: nested more than 10 levels deep (expected: at most 10)");
    }

    @Test
    void stopsParsingABodyOfTooManyJsonTokensWithA413() {
        String numbers = "1,".repeat(300) + "1";
        refused(BodyLimitsTest::chat, "{\"model\":\"a/b\",\"messages\":[" + USER + "],\"x\":[" + numbers + "]}", 413,
                "request body: more than 200 JSON tokens (expected: at most 200: values, field names and brackets)");
    }

    @Test
    void theDefaultsAcceptALargeOrdinaryConversationAndRefuse100000TinyMessages() {
        StringBuilder ordinary = new StringBuilder("{\"model\":\"a/b\",\"messages\":[");
        for (int i = 0; i < 2_000; i++) {
            ordinary.append(i == 0 ? "" : ",").append(i % 2 == 0 ? USER : ASSISTANT);
        }
        assertThat(defaults(ordinary + "]}").body().path("messages").size()).isEqualTo(2_000);

        StringBuilder tiny = new StringBuilder("{\"model\":\"a/b\",\"messages\":[");
        for (int i = 0; i < 100_000; i++) {
            tiny.append(i == 0 ? "" : ",").append(USER);
        }
        assertThatThrownBy(() -> defaults(tiny + "]}"))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(413))
                .hasMessageContaining("(expected: at most");
    }
}
