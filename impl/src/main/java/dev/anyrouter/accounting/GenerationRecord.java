package dev.anyrouter.accounting;

import java.time.Instant;

/**
 * One finished generation, as the ledger will bill it.
 *
 * @param id               the generation id ({@code X-Generation-Id})
 * @param model            {@code provider/model} as requested
 * @param provider         the upstream that served it
 * @param streamed         whether the client asked for a stream
 * @param outcome          completed, cancelled by the client, or failed
 * @param finishReason     the finish reason relayed to the client, if any
 * @param chunks           completion chunks that reached the client
 * @param completionText   the content, reasoning and tool-argument text that reached the client
 * @param promptTokens     prompt tokens the upstream reported, or {@code null}
 * @param completionTokens completion tokens the upstream reported, or {@code null}
 * @param firstChunkMillis time from request to the first delivered chunk, or {@code null}
 * @param totalMillis      time from request to the end
 * @param createdAt        when the request arrived
 * @param error            the error sent to the client, or {@code null}
 */
public record GenerationRecord(String id, String model, String provider, boolean streamed,
        Generation.Outcome outcome, String finishReason, int chunks, String completionText,
        Long promptTokens, Long completionTokens, Long firstChunkMillis, long totalMillis, Instant createdAt,
        String error) {

    public boolean cancelled() {
        return outcome == Generation.Outcome.CANCELLED;
    }
}
