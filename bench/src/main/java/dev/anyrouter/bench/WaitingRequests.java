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
 * upstream has sent nothing yet. The gateway's threads are read every second while they wait: the most, and the
 * fewest once the opening's threads have retired; then its heap, and every answer is checked whole.
 */
final class WaitingRequests {

    /**
     * How long the gateway's threads are watched while the requests wait: the burst of openings takes a while on two
     * busy cores, and the threads that served it retire 10 s after (engine/Threads.java).
     */
    private static final Duration WATCH = Duration.ofSeconds(35);

    private final LoadClient client;
    /**
     * Requests sent per second; 0 sends them all at once. All at once, the gateway's opening burst (a relay thread
     * each on JDK 17, and Jetty's connection pool, which scans its busy connections for each new one) outlasted the
     * 10 s the embedded server then gave a new connection's request head, and it closed some unread (BENCHMARKS.md,
     * "Issue 15, sixth stop").
     */
    private final int perSecond;

    WaitingRequests(LoadClient client, int perSecond) {
        this.client = client;
        this.perSecond = perSecond;
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
            if (perSecond > 0 && i > 0 && i % perSecond == 0) {
                Thread.sleep(1000);
            }
            if (i % 2 == 0) {
                streams.add(client.stream(via, chunks, wait.toMillis(), 10, null));
            } else {
                answers.add(client.answer(via, chunks, wait.toMillis()));
            }
        }
        double sent = (System.nanoTime() - start) / 1e9;
        long most = 0;
        long threads = Long.MAX_VALUE;
        long watchEnd = start + (quick ? Duration.ofSeconds(2) : WATCH).toNanos();
        while (System.nanoTime() < watchEnd) {
            long now = gateway.threads();
            if (now >= most) { // the fewest after the most: the opening's threads retire after its peak
                most = now;
                threads = now;
            }
            threads = Math.min(threads, now);
            Thread.sleep(1000);
        }
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
                + "answers before them; " + (perSecond > 0 ? perSecond + " sent per second" : "all sent at once")
                + "), watched %.0f s from the first sent (all sent in %.1f s)%s: gateway threads at "
                + "most %d, %d once the opening's threads retired (target < 300: %s), heap %,.1f KB per request; "
                + "every answer arrived whole%n", requests, streams.size(), answers.size(), waited, sent, when, most,
                threads, threads < 300 ? "met" : "missed", heap / 1024.0 / requests);
    }
}
