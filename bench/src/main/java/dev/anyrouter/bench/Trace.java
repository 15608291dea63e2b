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
    private int count;
    private boolean sawDone;
    private String error;

    Trace(int expectedChunks) {
        this.chunks = new long[expectedChunks];
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
        long now = System.nanoTime();
        if (!line.startsWith("data: ")) {
            return;
        }
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
        firstChunk.complete(null);
        done.complete(this);
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
}
