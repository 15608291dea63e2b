package dev.anyrouter.it;

import static dev.anyrouter.it.Chunks.content;
import static dev.anyrouter.it.Chunks.role;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationRecord;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An upstream cannot make the gateway hold unbounded memory for one stream: an event that never ends, or a stream
 * that never stops, is cut at its limit ({@code ANYROUTER_MAX_EVENT_BYTES}, {@code ANYROUTER_MAX_STREAM_BYTES})
 * with an in-band error; the upstream is closed, the generation billed for what was delivered, and nothing is left
 * running, even when ending a stream fails with an {@code Error}.
 */
@Timeout(60)
class StreamLimitsIT {

    private static final String REQUEST = "{\"model\":\"openai/gpt-4o\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private ScriptedUpstream upstream;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        upstream = new ScriptedUpstream();
        gateway = Gateway.against(upstream.baseUri(), "ANYROUTER_MAX_EVENT_BYTES", "65536",
                "ANYROUTER_MAX_STREAM_BYTES", "1048576");
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    @Test
    void anUpstreamEventThatNeverEndsIsCutAtTheEventLimit() throws Exception {
        String kilobyte = "x".repeat(1024);
        upstream.script(x -> {
            x.sseHead().data(role()).data(content("Hello")).chunk("data: {\"choices\":[{\"delta\":{\"content\":\"");
            for (int i = 0; i < 4096 && !x.closed(); i++) { // 4 MB, and no blank line
                x.chunk(kilobyte);
            }
            x.awaitClosed(10_000);
        });
        assertCutWith("an event larger than 65536 bytes");
    }

    @Test
    void anUpstreamStreamThatNeverStopsIsCutAtTheStreamLimit() throws Exception {
        String piece = content("word ".repeat(200));
        upstream.script(x -> {
            x.sseHead().data(role());
            for (int i = 0; i < 4096 && !x.closed(); i++) { // 4 MB of well-formed events
                x.data(piece);
            }
            x.awaitClosed(10_000);
        });
        assertCutWith("more than 1048576 bytes");
    }

    @Test
    void aRelayThatFailsWithAnErrorWhileEndingGivesEverythingBack() throws Exception {
        upstream.script(x -> x.sseHead().data(role()).data(content("Hi")).data(Chunks.finish("stop")).data("[DONE]")
                .end());
        java.util.concurrent.atomic.AtomicBoolean thrown = new java.util.concurrent.atomic.AtomicBoolean();
        gateway.engine().onGeneration(record -> {
            if (thrown.compareAndSet(false, true)) {
                throw new OutOfMemoryError("simulated, while the stream ended");
            }
        });
        for (int i = 0; i < 2; i++) {
            try (RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions",
                    Gateway.BEARER, REQUEST)) {
                assertThat(client.status).isEqualTo(200);
                assertThat(client.rest()).contains("Hi").endsWith("data: [DONE]\n\n");
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> gateway.engine().runningRelays().active() == 0);
        }
        assertThat(thrown).as("the first stream's ending failed").isTrue();
    }

    private void assertCutWith(String message) throws Exception {
        String id;
        try (RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER,
                REQUEST)) {
            assertThat(client.status).isEqualTo(200);
            id = client.headers.get("x-generation-id");
            String body = client.rest();
            assertThat(body).contains("\"error\":{\"code\":502").contains(message).doesNotContain("[DONE]");
        }
        GenerationRecord record = gateway.generation(id);
        assertThat(record.outcome()).isEqualTo(Generation.Outcome.FAILED);
        assertThat(record.error()).contains(message);
        assertThat(record.cost()).as("billed for what was delivered").isPositive();
        await().atMost(Duration.ofSeconds(5)).until(() -> gateway.engine().runningRelays().active() == 0
                && upstream.openExchanges() == 0);
    }
}
