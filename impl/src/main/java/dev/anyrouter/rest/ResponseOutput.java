package dev.anyrouter.rest;

import dev.anyrouter.relay.FlushHold;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;
import java.util.concurrent.atomic.LongAdder;

/**
 * The response stream the application gets, over the container's: one write, flush or close at a time and none
 * after the async cycle ended ({@link AsyncEnd}), its bytes counted for the access log, and the flushes a relay's
 * {@link FlushHold} holds back skipped, so that a burst of events leaves in one write, as from a byte proxy.
 */
final class ResponseOutput extends ServletOutputStream {

    private final ServletOutputStream out;
    private final AsyncEnd asyncEnd;
    private final FlushHold flushHold;
    private final LongAdder bytes;

    ResponseOutput(ServletOutputStream out, AsyncEnd asyncEnd, FlushHold flushHold, LongAdder bytes) {
        this.out = out;
        this.asyncEnd = asyncEnd;
        this.flushHold = flushHold;
        this.bytes = bytes;
    }

    @Override
    public void write(int b) throws IOException {
        alone(() -> {
            out.write(b);
            bytes.increment();
        });
    }

    @Override
    public void write(byte[] data, int offset, int length) throws IOException {
        alone(() -> {
            out.write(data, offset, length);
            bytes.add(length);
        });
    }

    @Override
    public void flush() throws IOException {
        alone(() -> {
            if (!flushHold.skipFlush()) {
                out.flush();
            }
        });
    }

    @Override
    public void close() throws IOException {
        alone(out::close);
    }

    /** One write, flush or close of the container's stream. */
    private interface Call {
        void run() throws IOException;
    }

    /** Runs {@code call} as the one in the stream at a time, and not at all once the async cycle ended. */
    private void alone(Call call) throws IOException {
        asyncEnd.enter();
        try {
            call.run();
        } finally {
            asyncEnd.leave();
        }
    }

    @Override
    public boolean isReady() {
        return out.isReady();
    }

    @Override
    public void setWriteListener(WriteListener listener) {
        out.setWriteListener(listener);
    }
}
