package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyrouter.accounting.GenerationRecord;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Translated streams on the wire, both directions, against a scripted upstream: the exact bytes a client gets
 * for a text + two-tool answer, the translated request the upstream gets, and cancellation.
 */
class TranslatedStreamIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CREATED = Pattern.compile("\"created\":(\\d+)");

    private ScriptedUpstream upstream;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        upstream = new ScriptedUpstream();
        String base = upstream.baseUri().toString();
        gateway = Gateway.against(upstream.baseUri(), "ANTHROPIC_BASE_URL", base.substring(0, base.length() - 3),
                "ANTHROPIC_API_KEY", Gateway.UPSTREAM_KEY, "ANYROUTER_PRICES", PRICES);
    }

    /** Both test models at 1 µUSD per prompt token and 2 per completion token. */
    private static final String PRICES = "anthropic/claude-test=0.000001:0.000002,openai/gpt-test=0.000001:0.000002";

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    @Test
    void chatClientGetsExactChunksForAnAnthropicTextAndTwoToolAnswer() throws Exception {
        upstream.script(x -> x.sseHead()
                .chunk(event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_up\",\"type\":"
                        + "\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-test\",\"stop_reason\":"
                        + "null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":10,\"cache_read_input_tokens\":5,"
                        + "\"output_tokens\":1}}}"))
                .chunk(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
                        + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"))
                .chunk(event("ping", "{\"type\":\"ping\"}"))
                .chunk(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                        + "{\"type\":\"text_delta\",\"text\":\"Checking.\"}}"))
                .chunk(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"))
                .chunk(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,"
                        + "\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"weather\","
                        + "\"input\":{}}}"))
                .chunk(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":"
                        + "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\":\"}}"))
                .chunk(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":"
                        + "{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"Paris\\\"}\"}}"))
                .chunk(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}"))
                .chunk(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":2,"
                        + "\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_2\",\"name\":\"time\","
                        + "\"input\":{}}}"))
                .chunk(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":"
                        + "{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}"))
                .chunk(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":2}"))
                .chunk(event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\","
                        + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":42}}"))
                .chunk(event("message_stop", "{\"type\":\"message_stop\"}")).end());

        try (RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER,
                "{\"model\":\"anthropic/claude-test\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather and time in Paris?\"}]}")) {
            String id = client.headers.get("x-generation-id");
            String body = Chunks.withoutComments(client.rest());
            assertThat(client.status).as(body).isEqualTo(200);
            Matcher created = CREATED.matcher(body);
            assertThat(created.find()).isTrue();
            String head = "{\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created.group(1)
                    + ",\"model\":\"claude-test\",";
            assertThat(body).isEqualTo(
                    chunk(head, "{\"role\":\"assistant\",\"content\":\"\"}", "null")
                    + chunk(head, "{\"content\":\"Checking.\"}", "null")
                    + chunk(head, "{\"tool_calls\":[{\"index\":0,\"id\":\"toolu_1\",\"type\":\"function\","
                            + "\"function\":{\"name\":\"weather\",\"arguments\":\"\"}}]}", "null")
                    + chunk(head, "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}",
                            "null")
                    + chunk(head, "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]}",
                            "null")
                    + chunk(head, "{\"tool_calls\":[{\"index\":1,\"id\":\"toolu_2\",\"type\":\"function\","
                            + "\"function\":{\"name\":\"time\",\"arguments\":\"\"}}]}", "null")
                    + chunk(head, "{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"{}\"}}]}", "null")
                    + chunk(head, "{}", "\"tool_calls\"")
                    + "data: " + head + "\"choices\":[],\"usage\":{\"prompt_tokens\":15,\"completion_tokens\":42,"
                    + "\"total_tokens\":57,\"cost\":0.000099}}\n\n"
                    + "data: [DONE]\n\n");

            GenerationRecord record = gateway.generation(id);
            assertThat(record.completionText()).isEqualTo("Checking.{\"city\":\"Paris\"}{}");
            assertThat(record.finishReason()).isEqualTo("tool_calls");
            assertThat(record.promptTokens()).isEqualTo(15L);
            assertThat(record.completionTokens()).isEqualTo(42L);
        }
        ScriptedUpstream.Exchange exchange = upstream.next();
        assertThat(exchange.requestLine).isEqualTo("POST /v1/messages HTTP/1.1");
        assertThat(exchange.headers).containsEntry("x-api-key", Gateway.UPSTREAM_KEY)
                .containsEntry("anthropic-version", "2023-06-01").doesNotContainKey("authorization");
        assertThat(exchange.headers.toString()).doesNotContain(Gateway.KEY);
        assertThat(JSON.readTree(exchange.body)).isEqualTo(JSON.readTree("{\"model\":\"claude-test\","
                + "\"max_tokens\":4096,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"Weather and time in Paris?\"}]}],\"stream\":true}"));
    }

    @Test
    void messagesClientGetsExactEventsForAnOpenAiTextAndTwoToolAnswer() throws Exception {
        String up = "{\"id\":\"chatcmpl-up\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-test\","
                + "\"choices\":[{\"index\":0,\"delta\":";
        upstream.script(x -> x.sseHead()
                .data(up + "{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}")
                .data(up + "{\"content\":\"Checking.\"},\"finish_reason\":null}]}")
                .data(up + "{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":"
                        + "{\"name\":\"weather\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}")
                .data(up + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]},"
                        + "\"finish_reason\":null}]}")
                .data(up + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]},"
                        + "\"finish_reason\":null}]}")
                .data(up + "{\"tool_calls\":[{\"index\":1,\"id\":\"call_2\",\"type\":\"function\",\"function\":"
                        + "{\"name\":\"time\",\"arguments\":\"{}\"}}]},\"finish_reason\":null}]}")
                .data(up + "{},\"finish_reason\":\"tool_calls\"}]}")
                .data("{\"id\":\"chatcmpl-up\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":"
                        + "\"gpt-test\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":30,"
                        + "\"total_tokens\":42}}")
                .data("[DONE]").end());

        try (RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/messages", Gateway.BEARER,
                "{\"model\":\"openai/gpt-test\",\"max_tokens\":300,\"stream\":true,\"system\":\"Be brief.\","
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather and time in Paris?\"}]}")) {
            String id = client.headers.get("x-generation-id");
            assertThat(Chunks.withoutComments(client.rest())).isEqualTo(
                    event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"" + id + "\","
                            + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"gpt-test\","
                            + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":0,"
                            + "\"output_tokens\":0}}}")
                    + event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
                            + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
                    + event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                            + "{\"type\":\"text_delta\",\"text\":\"Checking.\"}}")
                    + event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")
                    + event("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,"
                            + "\"content_block\":{\"type\":\"tool_use\",\"id\":\"call_1\",\"name\":\"weather\","
                            + "\"input\":{}}}")
                    + event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":"
                            + "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\":\"}}")
                    + event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":"
                            + "{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"Paris\\\"}\"}}")
                    + event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}")
                    + event("content_block_start", "{\"type\":\"content_block_start\",\"index\":2,"
                            + "\"content_block\":{\"type\":\"tool_use\",\"id\":\"call_2\",\"name\":\"time\","
                            + "\"input\":{}}}")
                    + event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":"
                            + "{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}")
                    + event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":2}")
                    + event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\","
                            + "\"stop_sequence\":null},\"usage\":{\"input_tokens\":12,\"output_tokens\":30,"
                            + "\"cost\":0.000072}}")
                    + event("message_stop", "{\"type\":\"message_stop\"}"));

            GenerationRecord record = gateway.generation(id);
            assertThat(record.completionText()).isEqualTo("Checking.{\"city\":\"Paris\"}{}");
            assertThat(record.finishReason()).isEqualTo("tool_use");
            assertThat(record.promptTokens()).isEqualTo(12L);
            assertThat(record.completionTokens()).isEqualTo(30L);
        }
        ScriptedUpstream.Exchange exchange = upstream.next();
        assertThat(exchange.requestLine).isEqualTo("POST /v1/chat/completions HTTP/1.1");
        assertThat(exchange.headers).containsEntry("authorization", "Bearer " + Gateway.UPSTREAM_KEY);
        assertThat(JSON.readTree(exchange.body)).isEqualTo(JSON.readTree("{\"model\":\"gpt-test\",\"messages\":["
                + "{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Weather and "
                + "time in Paris?\"}],\"max_tokens\":300,\"stream\":true,\"stream_options\":{\"include_usage\":true}}"));
    }

    @Test
    void aTranslatedStreamIsAbortedUpstreamWithin100msOfTheClientLeaving() throws Exception {
        upstream.script(x -> x.streamUntilClosed(10_000, 10, i -> "{\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"t" + i + "\"}}"));

        RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER,
                "{\"model\":\"anthropic/claude-test\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"go\"}]}");
        String id = client.headers.get("x-generation-id");
        for (int i = 0; i < 5; i++) {
            JsonNode chunk = JSON.readTree(client.nextData().substring("data: ".length()));
            assertThat(chunk.at("/choices/0/delta/content").asText()).isEqualTo("t" + i);
        }
        ScriptedUpstream.Exchange exchange = upstream.next();
        long disconnected = System.nanoTime();
        client.close();

        long seen = exchange.awaitClosed(2_000);
        assertThat(TimeUnit.NANOSECONDS.toMillis(seen - disconnected)).as("ms until the upstream saw the close")
                .isLessThan(100);
        GenerationRecord record = gateway.generation(id);
        assertThat(record.cancelled()).isTrue();
        assertThat(record.completionText()).startsWith("t0t1t2t3t4");
    }

    private static String event(String name, String data) {
        return "event: " + name + "\ndata: " + data + "\n\n";
    }

    private static String chunk(String head, String delta, String finishReason) {
        return "data: " + head + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,"
                + "\"finish_reason\":" + finishReason + "}],\"usage\":null}\n\n";
    }

    /**
     * Events that make no client output (a block start, a ping) after one that does must not keep it waiting in
     * the response buffer while the upstream thinks: the role chunk arrives before the first token.
     */
    @Test
    void nothingIsHeldBackWhileTheUpstreamIsSilent() throws Exception {
        String base = upstream.baseUri().toString();
        try (Gateway quiet = Gateway.against(upstream.baseUri(), "ANTHROPIC_BASE_URL",
                base.substring(0, base.length() - 3), "ANTHROPIC_API_KEY", Gateway.UPSTREAM_KEY,
                "ANYROUTER_KEEPALIVE_MS", "10000")) {
            upstream.script(x -> x.sseHead()
                    .chunk(event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_up\","
                            + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-test\","
                            + "\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}}")
                            + event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
                            + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
                            + event("ping", "{\"type\":\"ping\"}"))
                    .pause(1_500)
                    .chunk(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                            + "{\"type\":\"text_delta\",\"text\":\"Hi\"}}"))
                    .chunk(event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
                            + "\"end_turn\"},\"usage\":{\"output_tokens\":2}}"))
                    .chunk(event("message_stop", "{\"type\":\"message_stop\"}")).end());

            try (RawClient client = RawClient.connect(quiet.uri()).post("/api/v1/chat/completions", Gateway.BEARER,
                    "{\"model\":\"anthropic/claude-test\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                            + "\"content\":\"hi\"}]}")) {
                long start = System.nanoTime();
                assertThat(client.nextData()).contains("\"role\":\"assistant\"");
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                        .as("ms until the role chunk arrived; the upstream is silent for 1,500 ms after it")
                        .isLessThan(1_000);
                assertThat(Chunks.withoutComments(client.rest())).contains("\"content\":\"Hi\"")
                        .endsWith("data: [DONE]\n\n");
            }
        }
    }
}
