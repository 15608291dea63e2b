package dev.anyrouter.upstream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Splits an upstream body into server-sent events as its bytes arrive, a buffer at a time: it scans each buffer for
 * line ends in bulk, keeps only the unfinished line and event between buffers, and hands on each event that has
 * data (comments and empty events are dropped: the relay's keep-alives cover them). Lines end with LF, CRLF or CR;
 * {@code event:} names an event, {@code data:} lines are joined with LF, other fields are ignored
 * (docs/wire-format.md section 1). It holds the body to its limits: an event that never ends, or a stream that
 * never stops, would otherwise grow its buffers without bound. Not thread-safe: one reader at a time.
 */
final class SseSplitter {

    private static final int INITIAL = 256;
    /** The largest buffers kept between events. */
    private static final int KEPT = 4096;

    private final long maxEventBytes;
    private final long maxStreamBytes;
    private byte[] line = new byte[INITIAL];
    private int lineLength;
    private byte[] data = new byte[INITIAL];
    private int dataLength;
    private boolean hasData;
    private String name;
    /** A CR ended the last line: an LF right after it belongs to that line end. */
    private boolean afterCr;
    private long total;
    private long inEvent;

    /**
     * @param maxEventBytes  the largest event, blank line included; 0 for no limit
     * @param maxStreamBytes the most bytes in all; 0 for no limit
     */
    SseSplitter(long maxEventBytes, long maxStreamBytes) {
        this.maxEventBytes = maxEventBytes;
        this.maxStreamBytes = maxStreamBytes;
    }

    /** Takes in all of {@code bytes}, handing each event it completes to {@code events}, in order. */
    void feed(ByteBuffer bytes, Consumer<SseEvent> events) throws JettyConnector.TooLarge {
        int length = bytes.remaining();
        total += length;
        if (maxStreamBytes > 0 && total > maxStreamBytes) {
            throw new JettyConnector.TooLarge("more than " + maxStreamBytes + " bytes");
        }
        while (bytes.hasRemaining()) {
            if (afterCr && bytes.get(bytes.position()) == '\n') {
                bytes.get();
                inEvent++;
            }
            afterCr = false;
            int start = bytes.position();
            int end = lineEnd(bytes, start);
            inEvent += (end < 0 ? bytes.limit() : end + 1) - start;
            if (maxEventBytes > 0 && inEvent > maxEventBytes) {
                throw new JettyConnector.TooLarge("an event larger than " + maxEventBytes + " bytes");
            }
            if (end < 0) {
                append(bytes, bytes.limit() - start);
                return;
            }
            append(bytes, end - start);
            afterCr = bytes.get() == '\r';
            line(events);
        }
    }

    private static int lineEnd(ByteBuffer bytes, int from) {
        for (int i = from; i < bytes.limit(); i++) {
            byte b = bytes.get(i);
            if (b == '\n' || b == '\r') {
                return i;
            }
        }
        return -1;
    }

    private void append(ByteBuffer bytes, int count) {
        if (lineLength + count > line.length) {
            line = Arrays.copyOf(line, Math.max(line.length * 2, lineLength + count));
        }
        bytes.get(line, lineLength, count);
        lineLength += count;
    }

    /** One whole line, in {@code line}. */
    private void line(Consumer<SseEvent> events) {
        int length = lineLength;
        lineLength = 0;
        if (length == 0) {
            inEvent = 0;
            if (hasData) {
                events.accept(new SseEvent(name, new String(data, 0, Math.max(0, dataLength - 1),
                        StandardCharsets.UTF_8)));
            }
            hasData = false;
            dataLength = 0;
            name = null;
            if (data.length > KEPT) { // an idle stream keeps little
                data = new byte[INITIAL];
                line = new byte[INITIAL];
            }
            return;
        }
        if (line[0] == ':') {
            return; // a comment
        }
        int colon = indexOf(line, length, (byte) ':');
        int fieldEnd = colon < 0 ? length : colon;
        int value = colon < 0 ? length : colon + 1;
        if (value < length && line[value] == ' ') {
            value++;
        }
        if (is("data", fieldEnd)) {
            addData(value, length);
        } else if (is("event", fieldEnd)) {
            name = new String(line, value, length - value, StandardCharsets.UTF_8);
        }
    }

    private void addData(int from, int to) {
        int count = to - from;
        if (dataLength + count + 1 > data.length) {
            data = Arrays.copyOf(data, Math.max(data.length * 2, dataLength + count + 1));
        }
        System.arraycopy(line, from, data, dataLength, count);
        dataLength += count;
        data[dataLength++] = '\n';
        hasData = true;
    }

    private boolean is(String field, int length) {
        if (length != field.length()) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (line[i] != field.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] bytes, int length, byte b) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
