package dev.anyrouter.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Many slow streams held open through one gateway at once, and what they cost it: heap after a full GC, RSS,
 * threads, file descriptors, read once every stream has its first chunk (all open, none still being set up).
 * Streams are opened at most {@value #WINDOW} awaiting their first chunk at a time. A step that cannot open them
 * all (the gateway out of file descriptors, say) stops opening, says why, and waits, within bounds, for the open
 * ones to finish: it never hangs.
 */
final class OpenStreams {

    /** Streams waiting for their first chunk at once while opening. */
    private static final int WINDOW = 500;
    /** How long idle relay threads live in the JDK 17 pool (engine/Threads.java: 30 s), and a margin. */
    static final Duration SETTLE = Duration.ofSeconds(35);
    /** How long a stream may wait for its response to begin. */
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(60);
    /** Streams run to their end before the heap is first read ({@link #warmUp}). */
    private static final int WARM_UP = 20;

    private final LoadClient client;

    OpenStreams(LoadClient client) {
        this.client = client;
    }

    /**
     * What holding the streams cost, or why they could not all be held.
     *
     * @param opened  streams opened (all of them unless {@code problem})
     * @param settledThreads the gateway's threads {@link #SETTLE} later, the streams still open: the threads that
     *                only opened them (a relay thread waits for each stream's first byte) have retired by then
     * @param problem why the step failed, or {@code null}; the figures then mean nothing but the threads and
     *                descriptors at the failure
     */
    record Held(int streams, int opened, double seconds, long heapBytes, long rssBytes, long threads,
            long settledThreads, long fds, String problem) {

        double kbPerStream(long bytes) {
            return bytes / 1024.0 / streams;
        }
    }

    /**
     * Opens {@code streams} streams of {@code chunks} chunks {@code chunkDelayMillis} apart through {@code via},
     * measures once all are open, then waits for every one to finish and checks it chunk by chunk.
     *
     * @throws IllegalStateException when every stream opened but one then lost data
     */
    Held hold(Jvm gateway, LoadClient.Target via, int streams, int chunks, long chunkDelayMillis, Duration settle)
            throws Exception {
        warmUp(via);
        long heapBefore = gateway.heapAfterGc();
        long rssBefore = gateway.rss();
        long start = System.nanoTime();
        Semaphore window = new Semaphore(WINDOW);
        AtomicReference<String> failure = new AtomicReference<>();
        List<Trace> open = new ArrayList<>();
        while (open.size() < streams && failure.get() == null) {
            window.acquire();
            Trace trace = client.stream(via, chunks, chunkDelayMillis, OPEN_TIMEOUT);
            int number = open.size() + 1;
            trace.firstChunk.whenComplete((ignored, e) -> {
                window.release();
                if (trace.error() != null) {
                    failure.compareAndSet(null, "stream " + number + ": " + trace.error());
                }
            });
            open.add(trace);
        }
        awaitFirstChunks(open, failure);
        double seconds = (System.nanoTime() - start) / 1e9;
        long finishedEarly = open.stream().filter(t -> t.done.isDone() && t.error() == null).count();
        if (failure.get() == null && finishedEarly > 0) {
            failure.set(finishedEarly + " streams had ended before the last one opened (" + Math.round(seconds)
                    + " s): not all were open at once");
        }
        String problem = failure.get();
        Held held;
        if (problem == null) {
            long heap = gateway.heapAfterGc() - heapBefore;
            long rss = gateway.rss() - rssBefore;
            long threads = gateway.threads();
            long fds = gateway.fileDescriptors();
            Thread.sleep(settle.toMillis());
            long stillOpen = open.stream().filter(t -> !t.done.isDone()).count();
            long settled = stillOpen == streams ? gateway.threads() : -1; // -1: some had ended, no reading
            held = new Held(streams, open.size(), seconds, heap, rss, threads, settled, fds, null);
        } else {
            held = new Held(streams, open.size(), seconds, 0, 0, gateway.threads(), -1, gateway.fileDescriptors(),
                    problem);
        }
        awaitEnd(open, chunks * chunkDelayMillis + 60_000);
        for (Trace stream : open) {
            if (problem == null && stream.problem() != null) {
                throw new IllegalStateException("an open stream lost data: " + stream.problem());
            }
        }
        return held;
    }

    private static void awaitFirstChunks(List<Trace> open, AtomicReference<String> failure)
            throws InterruptedException {
        CompletableFuture<?>[] first = open.stream().map(t -> t.firstChunk).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(first).get(OPEN_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            long waiting = open.stream().filter(t -> !t.firstChunk.isDone()).count();
            failure.compareAndSet(null, waiting + " streams had no first chunk " + (OPEN_TIMEOUT.toSeconds() + 30)
                    + " s after the last one was sent");
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits up to {@code millis} for every stream to end; gives up on those still open then. */
    private static void awaitEnd(List<Trace> open, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (Trace stream : open) {
            try {
                stream.done.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                stream.cancel("did not end within " + millis / 1000 + " s");
            } catch (ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The memory scenario's line: heap, RSS and threads of {@code streams} open streams. */
    static void printMemory(Held held) {
        System.out.printf(Locale.ROOT, "%,6d open streams: gateway heap +%,d KB (%,.1f KB per stream), RSS +%,d KB "
                + "(%,.1f KB per stream), %d threads%n", held.streams(), held.heapBytes() / 1024,
                held.kbPerStream(held.heapBytes()), held.rssBytes() / 1024, held.kbPerStream(held.rssBytes()),
                held.threads());
    }

    /** The idle and h2 scenarios' line: threads and heap per stream against issue 15's targets, or the failure. */
    static void printIdle(String scenario, Held held) {
        String label = String.format(Locale.ROOT, "%,6d idle streams (%s)", held.streams(), scenario);
        if (held.problem() != null) {
            System.out.printf(Locale.ROOT, "%s: FAILED after %,d opened in %.1f s: %s; gateway: %d threads, %,d file "
                    + "descriptors (over HTTP/1.1 it holds 2 per stream; the limit is per process)%n", label,
                    held.opened(), held.seconds(), held.problem(), held.threads(), held.fds());
            return;
        }
        double heap = held.kbPerStream(held.heapBytes());
        String settled = held.settledThreads() < 0 ? "n/a (streams had ended)"
                : held.settledThreads() + " (target < 300: " + (held.settledThreads() < 300 ? "met" : "missed") + ")";
        System.out.printf(Locale.ROOT, "%s: gateway threads %d once all were open, %s once the opening's threads "
                + "retired; heap %,.1f KB per stream (target <= 16 KB: %s), RSS %,.1f KB per stream, %,d file "
                + "descriptors; opened in %.1f s%n", label, held.threads(), settled, heap, heap <= 16 ? "met"
                : "missed", held.kbPerStream(held.rssBytes()), held.fds(), held.seconds());
    }

    /**
     * A few whole streams before the heap is first read, so that what the gateway builds once, on its first streams
     * (its tokenizer's vocabulary, Jersey's and Jetty's caches), is not counted per stream.
     */
    private void warmUp(LoadClient.Target via) throws Exception {
        List<Trace> warm = new ArrayList<>();
        for (int i = 0; i < WARM_UP; i++) {
            warm.add(client.stream(via, 3, 0, OPEN_TIMEOUT));
        }
        for (Trace trace : warm) {
            trace.done.get(OPEN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (trace.problem() != null) {
                throw new IllegalStateException("a warm-up stream failed: " + trace.problem());
            }
        }
    }
}
