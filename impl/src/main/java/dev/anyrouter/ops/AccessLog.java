package dev.anyrouter.ops;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.accounting.GenerationRecord;
import dev.anyrouter.json.Json;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The access log: one JSON line per request, at INFO, on the java.util.logging logger {@value #LOGGER}. Never a
 * key, a prompt or a completion: the caller is named by its key id, the request by its path without the query
 * string.
 *
 * <p>The request's thread only fills in its entry and queues it; the line is made and logged by the gateway's
 * access-log writer ({@link AccessLogWriter}), batched, and stamped with the time the request ended.
 *
 * <p>A line is written once both halves of the request have ended: its response (status, duration, bytes) and,
 * for a request that ran a generation, that generation (outcome, provider). For a stream the response usually
 * ends first, since the client's stream is closed before the generation is billed; for a non-streamed answer or
 * an upstream error, the generation ends first. Either way the line carries the final outcome.
 */
public final class AccessLog {

    /** The logger name. */
    public static final String LOGGER = "dev.anyrouter.access";

    /** Held strongly: a JUL logger that nothing references can be collected with its configuration. */
    private static final Logger ACCESS = Logger.getLogger(LOGGER);

    private final Map<String, Entry> awaiting = new ConcurrentHashMap<>();
    private final Logger logger;
    private final AccessLogWriter writer;

    /** @param writer the executor of the log's writer; it must be stopped before {@link #close()} */
    public AccessLog(ScheduledExecutorService writer) {
        this(ACCESS, writer, AccessLogWriter.CAPACITY);
    }

    AccessLog(Logger logger, ScheduledExecutorService writer, int capacity) {
        this.logger = logger;
        this.writer = new AccessLogWriter(logger, writer, capacity);
    }

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

    /** Lines dropped because the writer fell {@value AccessLogWriter#CAPACITY} lines behind. */
    public long dropped() {
        return writer.dropped();
    }

    /**
     * Writes the lines still queued, on this thread, once the writer's executor has stopped; a line that ends
     * later is written by the thread that ends it.
     */
    public void close() {
        writer.close();
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
        private volatile Instant ended;

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
            if (running.decrementAndGet() == 0 && logger.isLoggable(Level.INFO)) {
                ended = Instant.now();
                writer.offer(this);
            }
        }

        /** The line as a record of the access logger, at the time the request ended. */
        LogRecord record() {
            LogRecord record = new LogRecord(Level.INFO, line());
            record.setLoggerName(logger.getName());
            record.setInstant(ended);
            record.setSourceClassName(AccessLog.class.getName());
            record.setSourceMethodName("write");
            return record;
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
