package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;

/** The built-in simulated upstream, spoken to directly as the benchmark's "direct" runs do. */
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
}
