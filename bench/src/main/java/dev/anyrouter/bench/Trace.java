package dev.anyrouter.bench;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * What one stream delivered and when: the arrival time of every content chunk, checked as it comes against the
 * simulator's "Count to N" answer ({@code "1"}, {@code ", 2"}, …), and whether {@code [DONE]} closed it.
 */
final class Trace implements Flow.Subscriber<String> {

    final long started = System.nanoTime();
    final long[] chunks;
    final CompletableFuture<Trace> done = new CompletableFuture<>();
    /** Completes when the first content chunk arrived (or the stream ended without one). */
    final CompletableFuture<Void> firstChunk = new CompletableFuture<>();
    private volatile Flow.Subscription subscription;
    private long finished;
    private int count;
    private int events;
    private boolean sawDone;
    private volatile String error;

    Trace(int expectedChunks) {
        this.chunks = new long[expectedChunks];
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
        long now = System.nanoTime();
        if (!line.startsWith("data: ")) {
            return;
        }
        events++;
        if (line.equals("data: [DONE]")) {
            sawDone = true;
            return;
        }
        int at = line.indexOf("\"content\":\"");
        if (at < 0 || line.charAt(at + 11) == '"') {
            return; // the role chunk, the finish chunk
        }
        String content = line.substring(at + 11, line.indexOf('"', at + 11));
        String expected = count == 0 ? "1" : ", " + (count + 1);
        if (error == null && (count >= chunks.length || !content.equals(expected))) {
            error = "chunk " + (count + 1) + " was '" + content + "' (expected: '" + expected + "')";
        }
        if (count < chunks.length) {
            chunks[count] = now;
        }
        count++;
        firstChunk.complete(null);
    }

    @Override
    public void onError(Throwable failure) {
        error = "stream failed: " + failure;
        firstChunk.complete(null);
        done.complete(this);
    }

    @Override
    public void onComplete() {
        finished = System.nanoTime();
        firstChunk.complete(null);
        done.complete(this);
    }

    /** Gives up on this stream (a benchmark step that cannot wait any longer): it counts as failed. */
    void cancel(String why) {
        Flow.Subscription current = subscription;
        if (current != null) {
            current.cancel();
        }
        onError(new IllegalStateException(why));
    }

    /** Why this stream failed so far (an error, a wrong chunk), or {@code null}; it may still be incomplete. */
    String error() {
        return error;
    }

    /** Why this stream is not a complete, in-order answer, or {@code null}. */
    String problem() {
        if (error != null) {
            return error;
        }
        if (count != chunks.length) {
            return count + " chunks (expected: " + chunks.length + ")";
        }
        return sawDone ? null : "no [DONE]";
    }

    long ttftNanos() {
        return chunks[0] - started;
    }

    /** From sending the request to the end of the response. */
    long durationNanos() {
        return finished - started;
    }

    /** The longest wait between two consecutive content chunks. */
    long worstGapNanos() {
        long worst = 0;
        for (int i = 1; i < chunks.length; i++) {
            worst = Math.max(worst, chunks[i] - chunks[i - 1]);
        }
        return worst;
    }

    /** The stream's {@code data:} events, {@code [DONE]} included: what a relay passed on. */
    int events() {
        return events;
    }
}
