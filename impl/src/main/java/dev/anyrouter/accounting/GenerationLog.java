package dev.anyrouter.accounting;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The most recent finished generations, in memory, bounded. The usage ledger (a later issue) persists the same
 * records; until then this is what {@code /api/v1/generation} and the tests read.
 */
public final class GenerationLog {

    private final int capacity;
    private final Map<String, GenerationRecord> records;

    public GenerationLog(int capacity) {
        this.capacity = capacity;
        this.records = new LinkedHashMap<>(16, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, GenerationRecord> eldest) {
                return size() > GenerationLog.this.capacity;
            }
        };
    }

    public synchronized void add(GenerationRecord record) {
        records.put(record.id(), record);
    }

    public synchronized Optional<GenerationRecord> find(String id) {
        return Optional.ofNullable(records.get(id));
    }
}
