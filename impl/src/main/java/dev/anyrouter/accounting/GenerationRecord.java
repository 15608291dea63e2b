package dev.anyrouter.accounting;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * One finished, billed generation: a row of the usage ledger.
 *
 * @param id               the generation id ({@code X-Generation-Id})
 * @param keyId            the client key billed for it
 * @param model            {@code provider/model} as requested
 * @param servedModel      the model the upstream says answered (or the one asked of it)
 * @param provider         the upstream that served it
 * @param streamed         whether the client asked for a stream
 * @param outcome          completed, cancelled by the client, or failed
 * @param finishReason     the finish reason relayed to the client, if any
 * @param chunks           completion chunks that reached the client
 * @param completionText   the content, reasoning and tool-argument text that reached the client (not stored)
 * @param promptTokens     prompt tokens billed
 * @param completionTokens completion tokens billed
 * @param tokensCounted    whether a part of the tokens was counted by the gateway, not reported by the upstream
 * @param cost             USD, exact
 * @param firstChunkMillis time from request to the first delivered chunk, or {@code null}
 * @param totalMillis      time from request to the end
 * @param createdAt        when the request arrived
 * @param error            the error sent to the client, or {@code null}
 * @param upstreamStatus   the HTTP status the upstream answered with, or 0 if it never answered (not stored)
 * @param retries          tries of a model after its first (not stored)
 * @param fallbacks        fallback models tried after the requested one (not stored)
 */
public record GenerationRecord(String id, String keyId, String model, String servedModel, String provider,
        boolean streamed, Generation.Outcome outcome, String finishReason, int chunks, String completionText,
        long promptTokens, long completionTokens, boolean tokensCounted, BigDecimal cost, Long firstChunkMillis,
        long totalMillis, Instant createdAt, String error, int upstreamStatus, int retries, int fallbacks) {

    public boolean cancelled() {
        return outcome == Generation.Outcome.CANCELLED;
    }
}
