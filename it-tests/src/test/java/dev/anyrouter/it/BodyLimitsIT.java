package dev.anyrouter.it;

import static dev.anyrouter.it.Chunks.REQUEST;
import static dev.anyrouter.it.Chunks.content;
import static dev.anyrouter.it.Chunks.finish;
import static dev.anyrouter.it.Chunks.role;
import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.accounting.TokenCounter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What one request may cost (issue 13, point 9): bodies of 100,000 tiny messages are refused with a JSON 413
 * while the gateway keeps serving, and a cancelled stream's 4 MB one-word prompt is billed from a bounded count.
 */
class BodyLimitsIT {

    private static final String USER = "{\"role\":\"user\",\"content\":\"x\"}";

    private ScriptedUpstream upstream;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        upstream = new ScriptedUpstream();
        gateway = Gateway.against(upstream.baseUri());
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    private static String tinyMessages(String head) {
        StringBuilder body = new StringBuilder(head).append("\"messages\":[");
        for (int i = 0; i < 100_000; i++) {
            body.append(i == 0 ? "" : ",").append(USER);
        }
        return body.append("]}").toString();
    }

    @Test
    void refusesEightBodiesOf100000TinyMessagesWithA413AndKeepsServing() throws Exception {
        String chat = tinyMessages("{\"model\":\"openai/gpt-4o\",\"stream\":true,");
        String messages = tinyMessages("{\"model\":\"openai/gpt-4o\",\"max_tokens\":5,");
        assertThat(chat.length()).isGreaterThan(3_000_000);
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String path = i % 2 == 0 ? "/api/v1/chat/completions" : "/api/v1/messages";
                String body = i % 2 == 0 ? chat : messages;
                answers.add(clients.submit(() -> {
                    try (RawClient client = RawClient.connect(gateway.uri()).post(path, Gateway.BEARER, body)) {
                        return client.status + " " + client.rest();
                    }
                }));
            }
            for (Future<String> answer : answers) {
                assertThat(answer.get(60, TimeUnit.SECONDS)).startsWith("413 {")
                        .contains("request_too_large").contains("(expected: at most");
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat(upstream.idle()).as("no request reached the upstream").isTrue();

        upstream.script(x -> x.sseHead().data(role()).data(content("still here")).data(finish("stop"))
                .data("[DONE]").end());
        try (RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER,
                REQUEST)) {
            assertThat(client.status).isEqualTo(200);
            assertThat(client.rest()).contains("still here").contains("data: [DONE]");
        }
    }

    @Test
    void billsACancelledStreamsFourMegabyteOneWordPromptFromABoundedCount() throws Exception {
        int length = (4 << 20) - 200;
        String body = "{\"model\":\"openai/gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\""
                + "a".repeat(length) + "\"}]}";
        upstream.script(x -> x.streamUntilClosed(10_000, 10, i -> content("t" + i)));

        RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER, body);
        String id = client.headers.get("x-generation-id");
        assertThat(client.nextData()).contains("\"content\":\"t0\"");
        client.reset();

        GenerationRecord record = gateway.generation(id);
        assertThat(record.cancelled()).isTrue();
        long estimated = (length - TokenCounter.EXACT_CHARS) / TokenCounter.CHARS_PER_TOKEN;
        assertThat(record.promptTokens()).isBetween(estimated, estimated + TokenCounter.EXACT_CHARS);
    }
}
