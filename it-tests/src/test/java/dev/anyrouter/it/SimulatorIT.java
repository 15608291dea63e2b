package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The built-in simulated upstream, spoken to directly as the benchmark's "direct" runs do: only with a client key
 * (or the gateway's own), knobs within their ranges, and no stream held up by another's client.
 */
class SimulatorIT {

    private static final int STREAMS = 1000;

    /**
     * Streams with no delays are written and closed while Jersey may still be finishing the resource call; every
     * one of them must still arrive whole (a race there once cut some responses off mid-body).
     */
    @Test
    void everyZeroDelayStreamArrivesWhole() throws Exception {
        try (Gateway gateway = Gateway.offline()) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI uri = gateway.uri().resolve("/simulator/v1/chat/completions");
            String body = "{\"model\":\"bench\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
                    + "\"Count to 4\"}],\"simulation\":{\"first_token_delay_ms\":0,\"chunk_delay_ms\":0}}";
            Semaphore inFlight = new Semaphore(4);
            List<CompletableFuture<String>> streams = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                inFlight.acquire();
                HttpRequest request = HttpRequest.newBuilder(uri).header("Authorization", Gateway.BEARER)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                streams.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                        .handle((response, failure) -> failure != null ? "failed: " + failure : response.body())
                        .whenComplete((text, e) -> inFlight.release()));
            }
            for (CompletableFuture<String> stream : streams) {
                String text = stream.join();
                assertThat(text).contains("\"content\":\", 4\"").endsWith("data: [DONE]\n\n");
            }
        }
    }

    private static final String CHAT = "/simulator/v1/chat/completions";

    @Test
    void refusesARequestWithoutAKeyOrWithAWrongOneWithAJson401() throws Exception {
        String chat = "{\"model\":\"x\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        String messages = "{\"model\":\"x\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        try (Gateway gateway = Gateway.offline()) {
            for (String authorization : new String[] {null, "Bearer ar-not-a-key", "Bearer sim-guessed"}) {
                try (RawClient client = RawClient.connect(gateway.uri()).post(CHAT, authorization, chat)) {
                    assertThat(client.status).isEqualTo(401);
                    assertThat(client.rest()).startsWith("{\"error\":{\"message\":\"the simulated upstream answers "
                            + "only the gateway itself or a client key");
                }
            }
            try (RawClient client = RawClient.connect(gateway.uri()).postJson("/simulator/v1/messages", messages,
                    "x-api-key: ar-not-a-key")) {
                assertThat(client.status).isEqualTo(401);
                assertThat(client.rest()).startsWith("{\"type\":\"error\",\"error\":{\"type\":"
                        + "\"authentication_error\"");
            }
            // The gateway's own upstream client is let in: an offline stream through the gateway works.
            try (RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions",
                    Gateway.BEARER, chat.replace("\"x\"", "\"openai/x\""))) {
                assertThat(client.status).isEqualTo(200);
                assertThat(client.rest()).endsWith("data: [DONE]\n\n");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"\"chunks\":0", "\"chunks\":100001", "\"chunks\":\"many\"",
        "\"chunk_delay_ms\":60001", "\"chunk_delay_ms\":-1", "\"first_token_delay_ms\":600001",
        "\"fail_status\":200", "\"fail_status\":600", "\"fail_after\":-2", "\"fail_after\":25",
        "\"fail_mode\":\"explode\"", "\"chunk_delay_ms\":1.5"})
    void refusesAKnobOutOfItsRangeWithA400(String knob) throws Exception {
        try (Gateway gateway = Gateway.offline();
                RawClient client = RawClient.connect(gateway.uri()).post(CHAT, Gateway.BEARER, "{\"model\":\"x\","
                        + "\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                        + "\"simulation\":{" + knob + "}}")) {
            assertThat(client.status).isEqualTo(400);
            assertThat(client.rest()).startsWith("{\"error\":{\"message\":\"simulation.")
                    .contains("(expected: ");
        }
    }

    /**
     * Two clients that stop reading their huge, unpaced streams block the writes to them; a paced stream of about
     * 200 ms through the gateway still ends well within its bound (before, they held the one thread every
     * simulated stream was written on until the server's idle timeout).
     */
    @Test
    void twoClientsThatStopReadingDoNotHoldUpAnotherStream() throws Exception {
        try (Gateway gateway = Gateway.offline()) {
            // Every chunk repeats the model's name: 20,000 chunks of 2 KB each, more than socket buffers hold.
            String flood = "{\"model\":\"" + "x".repeat(2_000) + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
                    + "\"Count to 20000\"}],\"simulation\":{\"first_token_delay_ms\":1,\"chunk_delay_ms\":0}}";
            List<RawClient> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    RawClient client = RawClient.connect(gateway.uri()).post(CHAT, Gateway.BEARER, flood);
                    stalled.add(client); // its head is read (its stream has started), then nothing more
                    assertThat(client.status).isEqualTo(200);
                }
                long start = System.nanoTime();
                try (RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions",
                        Gateway.BEARER, "{\"model\":\"openai/x\",\"stream\":true,\"messages\":[{\"role\":"
                                + "\"user\",\"content\":\"Count to 20\"}],\"simulation\":{\"chunk_delay_ms\":10}}")) {
                    assertThat(client.status).isEqualTo(200);
                    assertThat(client.rest()).contains("\", 20\"").endsWith("data: [DONE]\n\n");
                }
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a 200 ms stream, beside two stalled ones")
                        .isLessThan(Duration.ofSeconds(15));
            } finally {
                for (RawClient client : stalled) {
                    client.close();
                }
            }
        }
    }
}
