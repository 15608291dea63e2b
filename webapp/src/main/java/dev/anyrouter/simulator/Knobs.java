package dev.anyrouter.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anyrouter.config.Settings;

/**
 * How the simulated upstream behaves for one request: defaults from settings, overridden per request by a
 * {@code "simulation": {…}} object in the body (the gateway passes unknown fields through). Every knob has a
 * documented range; a request outside it is refused (400) rather than clamped.
 *
 * @param chunks            content chunks of the fixed answer ({@code ANYROUTER_SIM_CHUNKS}, 24; 1 to {@value #MAX_CHUNKS})
 * @param chunkDelayMillis  pause between chunks ({@code ANYROUTER_SIM_CHUNK_DELAY_MS}, 20; 0 to {@value #MAX_CHUNK_DELAY})
 * @param firstTokenMillis  pause before the first chunk ({@code ANYROUTER_SIM_FIRST_TOKEN_MS}, 100; 0 to
 *                          {@value #MAX_FIRST_TOKEN})
 * @param failStatus        answer with this HTTP error status (400 to 599) instead of a completion, or 0
 * @param failAfter         fail mid-stream after this many content chunks (0 to {@code chunks}), or -1
 * @param failMode          how a mid-stream failure looks: {@code error} (an in-band error event) or
 *                          {@code drop} (the stream just ends)
 */
record Knobs(int chunks, long chunkDelayMillis, long firstTokenMillis, int failStatus, int failAfter,
        String failMode) {

    static final int MAX_CHUNKS = 100_000;
    static final long MAX_CHUNK_DELAY = 60_000;
    static final long MAX_FIRST_TOKEN = 600_000;

    static Knobs defaults(Settings settings) {
        return new Knobs((int) settings.number("ANYROUTER_SIM_CHUNKS", 24, 1, MAX_CHUNKS),
                settings.number("ANYROUTER_SIM_CHUNK_DELAY_MS", 20, 0, MAX_CHUNK_DELAY),
                settings.number("ANYROUTER_SIM_FIRST_TOKEN_MS", 100, 0, MAX_FIRST_TOKEN), 0, -1, "error");
    }

    /**
     * These defaults with the request's {@code simulation} object applied.
     *
     * @throws IllegalArgumentException naming the knob, when one is not a whole number in its range
     */
    Knobs with(JsonNode simulation) {
        if (simulation == null || simulation.isNull()) {
            return this;
        }
        if (!simulation.isObject()) {
            throw new IllegalArgumentException("simulation: " + simulation + " (expected: an object)");
        }
        int count = (int) number(simulation, "chunks", chunks, 1, MAX_CHUNKS);
        String mode = simulation.path("fail_mode").asText(failMode);
        if (!mode.equals("error") && !mode.equals("drop")) {
            throw new IllegalArgumentException("simulation.fail_mode: " + simulation.get("fail_mode")
                    + " (expected: \"error\" or \"drop\")");
        }
        int status = (int) number(simulation, "fail_status", failStatus, 0, 599);
        if (status != 0 && status < 400) {
            throw new IllegalArgumentException("simulation.fail_status: " + status + " (expected: 0 or 400..599)");
        }
        return new Knobs(count,
                number(simulation, "chunk_delay_ms", chunkDelayMillis, 0, MAX_CHUNK_DELAY),
                number(simulation, "first_token_delay_ms", firstTokenMillis, 0, MAX_FIRST_TOKEN),
                status,
                (int) number(simulation, "fail_after", failAfter, -1, count),
                mode);
    }

    private static long number(JsonNode simulation, String name, long fallback, long min, long max) {
        JsonNode value = simulation.get(name);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.canConvertToLong() || !value.isIntegralNumber() || value.asLong() < min || value.asLong() > max) {
            throw new IllegalArgumentException("simulation." + name + ": " + value + " (expected: a whole number, "
                    + min + ".." + max + ")");
        }
        return value.asLong();
    }
}
