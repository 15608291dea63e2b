package dev.anyrouter.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;

/**
 * What {@code GET /api/v1/generation?id=} tells a client key about one of its generations: its ledger row.
 *
 * @param id               the generation id ({@code gen-…}, the {@code x-generation-id} header)
 * @param model            the model the client asked for
 * @param servedModel      the model that served it (a fallback's, when one did)
 * @param provider         the provider that served it
 * @param streamed         whether it was streamed
 * @param cancelled        whether the client left before its end
 * @param outcome          {@code completed}, {@code cancelled}, {@code failed} or {@code in_progress}
 * @param finishReason     the upstream's finish reason, or {@code null}
 * @param promptTokens     prompt tokens billed
 * @param completionTokens completion tokens billed
 * @param tokensCounted    whether the gateway counted the tokens (the upstream reported no usage)
 * @param cost             USD billed
 * @param latency          milliseconds to the first chunk, or {@code null} when none came
 * @param generationTime   milliseconds in all
 * @param createdAt        when it began, ISO-8601
 * @param error            why it failed, or {@code null}
 */
public record GenerationInfo(String id, String model, @JsonProperty("served_model") String servedModel,
        @JsonProperty("provider_name") String provider, boolean streamed, boolean cancelled, String outcome,
        @JsonProperty("finish_reason") String finishReason, @JsonProperty("tokens_prompt") long promptTokens,
        @JsonProperty("tokens_completion") long completionTokens, @JsonProperty("tokens_counted") boolean tokensCounted,
        @JsonProperty("total_cost") BigDecimal cost, Long latency, @JsonProperty("generation_time") long generationTime,
        @JsonProperty("created_at") String createdAt, String error) {
}
