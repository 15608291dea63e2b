package dev.anyrouter.accounting;

import java.time.Instant;
import java.util.Objects;

/**
 * What one generation delivered, built up by its relay thread and read after it ends. Counts only what reached
 * the client: a chunk is counted once its write succeeded.
 */
public final class Generation {

    /** How a generation ended. */
    public enum Outcome { COMPLETED, CANCELLED, FAILED }

    private final String id;
    private final String requestedModel;
    private final String provider;
    private final boolean streamed;
    private final Instant createdAt = Instant.now();
    private final long startNanos = System.nanoTime();
    private final StringBuilder completion = new StringBuilder();
    private long firstChunkNanos = -1;
    private int chunks;
    private String finishReason;
    private Long promptTokens;
    private Long completionTokens;

    public Generation(String id, String requestedModel, String provider, boolean streamed) {
        this.id = Objects.requireNonNull(id, "id");
        this.requestedModel = Objects.requireNonNull(requestedModel, "requestedModel");
        this.provider = Objects.requireNonNull(provider, "provider");
        this.streamed = streamed;
    }

    public String id() {
        return id;
    }

    /** A completion chunk reached the client; {@code text} is its content, reasoning and tool-argument text. */
    public void delivered(CharSequence text) {
        if (firstChunkNanos < 0) {
            firstChunkNanos = System.nanoTime();
        }
        chunks++;
        completion.append(text);
    }

    public void finishReason(String reason) {
        finishReason = reason;
    }

    /** Usage as the upstream reported it; a {@code null} part was not reported and keeps its earlier value. */
    public void usage(Long prompt, Long completionCount) {
        if (prompt != null) {
            promptTokens = prompt;
        }
        if (completionCount != null) {
            completionTokens = completionCount;
        }
    }

    public GenerationRecord end(Outcome outcome, String error) {
        long now = System.nanoTime();
        return new GenerationRecord(id, requestedModel, provider, streamed, outcome, finishReason, chunks,
                completion.toString(), promptTokens, completionTokens,
                firstChunkNanos < 0 ? null : (firstChunkNanos - startNanos) / 1_000_000,
                (now - startNanos) / 1_000_000, createdAt, error);
    }
}
