package dev.anyrouter.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anyrouter.config.Settings;

/**
 * How the simulated upstream behaves for one request: defaults from settings, overridden per request by a
 * {@code "simulation": {…}} object in the body (the gateway passes unknown fields through).
 *
 * @param chunks            content chunks of the fixed answer ({@code ANYROUTER_SIM_CHUNKS}, 24)
 * @param chunkDelayMillis  pause between chunks ({@code ANYROUTER_SIM_CHUNK_DELAY_MS}, 20)
 * @param firstTokenMillis  pause before the first chunk ({@code ANYROUTER_SIM_FIRST_TOKEN_MS}, 100)
 * @param failStatus        answer with this HTTP error status instead of a completion, or 0
 * @param failAfter         fail mid-stream after this many content chunks, or -1
 * @param failMode          how a mid-stream failure looks: {@code error} (an in-band error event) or
 *                          {@code drop} (the stream just ends)
 */
record Knobs(int chunks, long chunkDelayMillis, long firstTokenMillis, int failStatus, int failAfter,
        String failMode) {

    static Knobs defaults(Settings settings) {
        return new Knobs((int) settings.number("ANYROUTER_SIM_CHUNKS", 24, 1, 100_000),
                settings.number("ANYROUTER_SIM_CHUNK_DELAY_MS", 20, 0, 60_000),
                settings.number("ANYROUTER_SIM_FIRST_TOKEN_MS", 100, 0, 600_000), 0, -1, "error");
    }

    /** These defaults with the request's {@code simulation} object applied. */
    Knobs with(JsonNode simulation) {
        if (simulation == null || !simulation.isObject()) {
            return this;
        }
        return new Knobs(
                (int) Math.min(100_000, Math.max(1, simulation.path("chunks").asLong(chunks))),
                Math.max(0, simulation.path("chunk_delay_ms").asLong(chunkDelayMillis)),
                Math.max(0, simulation.path("first_token_delay_ms").asLong(firstTokenMillis)),
                simulation.path("fail_status").asInt(failStatus),
                simulation.path("fail_after").asInt(failAfter),
                simulation.path("fail_mode").asText(failMode));
    }
}
