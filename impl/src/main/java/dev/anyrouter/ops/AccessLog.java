package dev.anyrouter.ops;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.json.Json;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The access log: one JSON line per request, at INFO, on the logger {@value #LOGGER} (java.util.logging unless
 * the platform's {@code System.Logger} goes elsewhere). Never a key, a prompt or a completion: the caller is
 * named by its key id, the request by its path without the query string.
 *
 * <p>A line is written once both halves of the request have ended: its response (status, duration, bytes) and,
 * for a request that ran a generation, that generation (outcome, provider). For a stream the response usually
 * ends first, since the client's stream is closed before the generation is billed; for a non-streamed answer or
 * an upstream error, the generation ends first. Either way the line carries the final outcome.
 */
public final class AccessLog {

    /** The logger name. */
    public static final String LOGGER = "dev.anyrouter.access";

    private static final System.Logger LOG = System.getLogger(LOGGER);

    private final Map<String, Entry> awaiting = new ConcurrentHashMap<>();

    /** A request has arrived. */
    public Entry start(String method, String path) {
        return new Entry(method, path);
    }

    /** A generation ended: the engine's generation listener. */
    public void generation(GenerationRecord record) {
        Entry entry = awaiting.remove(record.id());
        if (entry != null) {
            entry.generation = record;
            entry.partDone();
        }
    }

    /** One request's line, filled in as the request goes; every part may be set from any thread. */
    public final class Entry {
        private final Instant time = Instant.now();
        private final long start = System.nanoTime();
        private final String method;
        private final String path;
        /** The parts still running: the response, and the generation once one is expected. */
        private final AtomicInteger running = new AtomicInteger(1);
        private volatile int status;
        private volatile long durationMillis;
        private volatile long bytes;
        private volatile String keyId;
        private volatile String model;
        private volatile Boolean streamed;
        private volatile String generationId;
        private volatile GenerationRecord generation;

        private Entry(String method, String path) {
            this.method = method;
            this.path = path;
        }

        /**
         * The generation {@code id} is about to run, so the line waits for its end. Call it only when the
         * generation is sure to end, and before the response can end.
         */
        public void awaitGeneration(String id) {
            generationId = id;
            running.incrementAndGet();
            awaiting.put(id, this);
        }

        /**
         * The response has ended. {@code keyId}, {@code model}, {@code streamed} and {@code generationId} are
         * null where the request never got that far.
         */
        public void responded(int status, long bytes, String keyId, String model, Boolean streamed,
                String generationId) {
            this.durationMillis = (System.nanoTime() - start) / 1_000_000;
            this.status = status;
            this.bytes = bytes;
            this.keyId = keyId;
            this.model = model;
            this.streamed = streamed;
            if (generationId != null) {
                this.generationId = generationId;
            }
            partDone();
        }

        private void partDone() {
            if (running.decrementAndGet() == 0 && LOG.isLoggable(System.Logger.Level.INFO)) {
                LOG.log(System.Logger.Level.INFO, line());
            }
        }

        /** The line, in JSON; null fields are left out. */
        String line() {
            ObjectNode line = Json.MAPPER.createObjectNode();
            line.put("time", time.toString());
            line.put("method", method);
            line.put("path", path);
            line.put("status", status);
            line.put("duration_ms", durationMillis);
            line.put("bytes", bytes);
            putIfSet(line, "key_id", keyId);
            putIfSet(line, "model", model);
            if (streamed != null) {
                line.put("streamed", streamed);
            }
            putIfSet(line, "generation_id", generationId);
            GenerationRecord ended = generation;
            if (ended != null) {
                line.put("provider", ended.provider());
                line.put("outcome", ended.outcome().name().toLowerCase(Locale.ROOT));
                line.put("cancelled", ended.cancelled());
            }
            return Json.write(line);
        }

        private static void putIfSet(ObjectNode line, String name, String value) {
            if (value != null) {
                line.put(name, value);
            }
        }
    }
}
