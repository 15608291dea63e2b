package dev.anyrouter.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Streams "Count to N" answers from one endpoint (the simulator directly, or the gateway in front of it) with a
 * bounded number in flight, on the JDK HttpClient's asynchronous API: no thread per stream.
 */
final class LoadClient {

    /** Where to stream from: the URL, the model to name and the key to send. */
    record Target(String name, URI uri, String model, String key) {
    }

    static {
        // Drop idle connections before the servers' 30 s idle timeout can close one under a new request.
        System.setProperty("jdk.httpclient.keepalive.timeout", "10");
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    Trace stream(Target target, int chunks, long chunkDelayMillis) {
        return stream(target, chunks, chunkDelayMillis, null);
    }

    /**
     * Starts one stream; with a {@code headersTimeout}, the stream fails if the response has not begun by then
     * (a connection a server never accepts, e.g. one out of file descriptors, would otherwise wait forever).
     */
    Trace stream(Target target, int chunks, long chunkDelayMillis, Duration headersTimeout) {
        return stream(target, chunks, 0, chunkDelayMillis, headersTimeout);
    }

    /** A stream whose upstream sends its first chunk {@code firstTokenMillis} after the request. */
    Trace stream(Target target, int chunks, long firstTokenMillis, long chunkDelayMillis, Duration headersTimeout) {
        String body = "{\"model\":\"" + target.model() + "\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Count to " + chunks + "\"}],\"simulation\":{\"first_token_delay_ms\":"
                + firstTokenMillis + ",\"chunk_delay_ms\":" + chunkDelayMillis + "}}";
        HttpRequest.Builder request = HttpRequest.newBuilder(target.uri())
                .header("Authorization", "Bearer " + target.key()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (headersTimeout != null) {
            request.timeout(headersTimeout);
        }
        Trace trace = new Trace(chunks);
        // A status other than 200 fails the stream before its body is read: firstChunk then sees the failure
        HttpResponse.BodyHandler<Void> lines = response -> {
            if (response.statusCode() != 200) {
                trace.onError(new IllegalStateException("HTTP " + response.statusCode()));
            }
            return HttpResponse.BodyHandlers.fromLineSubscriber(trace).apply(response);
        };
        http.sendAsync(request.build(), lines).whenComplete((response, e) -> {
            if (e != null) {
                trace.onError(e);
            }
        });
        return trace;
    }

    /**
     * A non-streamed "Count to N" answer that the upstream gives {@code firstTokenMillis} after the request: its
     * headers come then too. Completes with {@code null} when the answer counted to {@code chunks}, else with what
     * was wrong.
     */
    CompletableFuture<String> answer(Target target, int chunks, long firstTokenMillis) {
        String body = "{\"model\":\"" + target.model() + "\",\"stream\":false,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Count to " + chunks + "\"}],\"simulation\":{\"first_token_delay_ms\":"
                + firstTokenMillis + "}}";
        HttpRequest request = HttpRequest.newBuilder(target.uri()).header("Authorization", "Bearer " + target.key())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((response, e) -> {
            if (e != null) {
                return e.toString();
            }
            if (response.statusCode() != 200) {
                return "HTTP " + response.statusCode();
            }
            return response.body().contains("\"finish_reason\":\"stop\"") && response.body().contains(" " + chunks)
                    ? null : "an incomplete answer: " + response.body();
        });
    }

    /** Runs {@code streams} streams, at most {@code concurrency} at once; fails if any lost or reordered data. */
    List<Trace> run(Target target, int streams, int concurrency, int chunks, long chunkDelayMillis)
            throws InterruptedException {
        Semaphore inFlight = new Semaphore(concurrency);
        List<CompletableFuture<Trace>> all = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            inFlight.acquire();
            all.add(stream(target, chunks, chunkDelayMillis).done.whenComplete((t, e) -> inFlight.release()));
        }
        List<Trace> traces = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        for (CompletableFuture<Trace> future : all) {
            Trace trace;
            try {
                trace = future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                throw new IllegalStateException(target.name() + ": streams did not finish within 5 minutes", e);
            }
            if (trace.problem() != null) {
                throw new IllegalStateException(target.name() + ": a stream lost data: " + trace.problem());
            }
            traces.add(trace);
        }
        return traces;
    }
}
