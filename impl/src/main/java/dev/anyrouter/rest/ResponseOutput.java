package dev.anyrouter.rest;

import dev.anyrouter.relay.ClientOutput;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.atomic.LongAdder;

/**
 * The response stream the application gets, over the container's: one write, flush or close at a time and none
 * after the async cycle ended ({@link AsyncEnd}), and its bytes counted for the access log.
 *
 * <p>Switched to non-blocking writes ({@link #nonBlocking}, by a relay through its {@link ClientOutput}), it gathers what the application writes in its own
 * buffer, and {@link #push()} hands it to the container as one write and one flush, through the servlet's
 * {@link WriteListener}: no thread waits for a slow client.
 */
final class ResponseOutput extends ServletOutputStream implements ClientOutput.Port {

    private final ServletOutputStream out;
    private final AsyncEnd asyncEnd;
    private final LongAdder bytes;
    /** The largest buffer kept between pushes: an idle stream keeps little. */
    private static final int KEPT = 4096;

    /** Guards {@link #gathered} and {@link #unflushed}. */
    private final Object lock = new Object();
    /** What was written since the last push, once non-blocking. */
    private ByteArrayOutputStream gathered = new ByteArrayOutputStream(0);
    private volatile boolean nonBlocking;
    /** Bytes handed to the container that it has not been asked to flush yet. */
    private boolean unflushed;

    ResponseOutput(ServletOutputStream out, AsyncEnd asyncEnd, ClientOutput clientOutput, LongAdder bytes) {
        this.out = out;
        this.asyncEnd = asyncEnd;
        this.bytes = bytes;
        clientOutput.attach(this);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] data, int offset, int length) throws IOException {
        if (nonBlocking) {
            synchronized (lock) {
                gathered.write(data, offset, length);
            }
            bytes.add(length);
            return;
        }
        alone(() -> {
            out.write(data, offset, length);
            bytes.add(length);
        });
    }

    @Override
    public void flush() throws IOException {
        if (nonBlocking) {
            return; // the relay pushes
        }
        alone(out::flush);
    }

    @Override
    public void close() throws IOException {
        if (nonBlocking) {
            finish();
        } else {
            alone(out::close);
        }
    }

    @Override
    public boolean nonBlocking(Runnable writable, Runnable failed) {
        try {
            alone(() -> out.setWriteListener(new WriteListener() {
                @Override
                public void onWritePossible() throws IOException {
                    if (drainAlone()) {
                        writable.run();
                    }
                }

                @Override
                public void onError(Throwable failure) {
                    failed.run();
                }
            }));
        } catch (IOException | RuntimeException notPossible) {
            return false; // the cycle ended, or the container allows no listener here
        }
        nonBlocking = true;
        return true;
    }

    @Override
    public void finish() throws IOException {
        alone(() -> {
            synchronized (lock) {
                if (drain()) {
                    out.close();
                } // else the client is not reading: the container ends the response as the cycle completes
            }
        });
    }

    @Override
    public boolean push() throws IOException {
        return drainAlone();
    }

    /** {@link #drain()}, taking the stream as {@link #alone} does, then the {@link #lock} (always in that order). */
    private boolean drainAlone() throws IOException {
        asyncEnd.enter();
        try {
            synchronized (lock) {
                return drain();
            }
        } finally {
            asyncEnd.leave();
        }
    }

    /**
     * Writes and flushes what gathered while the container can take it; false while it is still writing (its
     * {@link WriteListener} is called once it is done). Holding {@link #lock} and the {@link AsyncEnd}.
     */
    private boolean drain() throws IOException {
        while (true) {
            if (!out.isReady()) {
                return false;
            }
            if (gathered.size() > 0) {
                byte[] next = gathered.toByteArray();
                if (next.length > KEPT) {
                    gathered = new ByteArrayOutputStream(0);
                } else {
                    gathered.reset();
                }
                out.write(next);
                unflushed = true;
            } else if (unflushed) {
                unflushed = false;
                out.flush();
            } else {
                return true;
            }
        }
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
