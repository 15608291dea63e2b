package dev.anyrouter.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Requests whose upstream is slow to answer, held through one gateway at once, and what they cost it while they
 * wait: half are streams whose upstream has sent its headers but not its first event, half are JSON answers whose
 * upstream has sent nothing yet. Read once every request has been sent and the opening's relay threads have had time
 * to retire; then every answer is checked whole.
 */
final class WaitingRequests {

    /** How long the gateway's idle pooled threads live (engine/Threads.java: 10 s), and a margin. */
    private static final Duration SETTLE = Duration.ofSeconds(15);

    private final LoadClient client;

    WaitingRequests(LoadClient client) {
        this.client = client;
    }

    /**
     * Sends {@code requests} requests whose upstream answers {@code wait} later, reads the gateway's threads and heap
     * while they wait, and prints them against issue 15's target (no thread per request: fewer than 300 threads).
     *
     * @throws IllegalStateException when an answer was lost or broken
     */
    void run(Jvm gateway, LoadClient.Target via, int requests, Duration wait, boolean quick) throws Exception {
        int chunks = 3;
        long heapBefore = gateway.heapAfterGc();
        long start = System.nanoTime();
        List<Trace> streams = new ArrayList<>();
        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            if (i % 2 == 0) {
                streams.add(client.stream(via, chunks, wait.toMillis(), 10, null));
            } else {
                answers.add(client.answer(via, chunks, wait.toMillis()));
            }
        }
        double sent = (System.nanoTime() - start) / 1e9;
        Thread.sleep(quick ? 500 : SETTLE.toMillis());
        long threads = gateway.threads();
        long heap = gateway.heapAfterGc() - heapBefore;
        double waited = (System.nanoTime() - start) / 1e9;
        long early = streams.stream().filter(t -> t.firstChunk.isDone()).count()
                + answers.stream().filter(CompletableFuture::isDone).count();
        for (Trace stream : streams) {
            stream.done.get(wait.toMillis() + 120_000, TimeUnit.MILLISECONDS);
            if (stream.problem() != null) {
                throw new IllegalStateException("a waiting stream lost data: " + stream.problem());
            }
        }
        for (CompletableFuture<String> answer : answers) {
            String problem;
            try {
                problem = answer.get(wait.toMillis() + 120_000, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                problem = "no answer";
            }
            if (problem != null) {
                throw new IllegalStateException("a waiting JSON answer failed: " + problem);
            }
        }
        String when = early == 0 ? "" : " (" + early + " had their first byte before the reading: the figures are low)";
        System.out.printf(Locale.ROOT, "%,6d requests waiting for their upstream (%d streams after its headers, %d JSON "
                + "answers before them), read %.0f s after the first was sent (all sent in %.1f s)%s: gateway threads "
                + "%d (target < 300: %s), heap %,.1f KB per request; every answer arrived whole%n", requests,
                streams.size(), answers.size(), waited, sent, when, threads, threads < 300 ? "met" : "missed",
                heap / 1024.0 / requests);
    }
}
