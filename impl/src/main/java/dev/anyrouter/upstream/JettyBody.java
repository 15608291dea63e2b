package dev.anyrouter.upstream;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.io.Content;

/**
 * An upstream response body as {@link JettyConnector} hands it to Jersey. Closing it before the end aborts the
 * exchange instead of draining it, also from another thread ({@link #abort()}, for an {@link Abort}); a read that
 * fails for another reason (the connection broke) is recorded in the {@link UpstreamBody}. It holds the body to its
 * limits and tells whether a whole next event is already buffered.
 */
final class JettyBody extends FilterInputStream implements UpstreamBody.Finisher {

    private final InputStreamResponseListener listener;
    private final Request exchange;
    private final UpstreamBody body;
    private volatile boolean closed;
    /** Bytes read in all, since the last event's blank line, and on the current line (without CR). */
    private long total;
    private long inEvent;
    private long inLine;

    JettyBody(CountingListener listener, Request exchange, UpstreamBody body) {
        // Jersey's SSE parser reads a byte at a time; unbuffered, each byte would take the listener's lock.
        super(new EventBuffer(listener));
        this.listener = listener;
        this.exchange = exchange;
        this.body = body;
        body.attach(this);
    }

    @Override
    public int read() throws IOException {
        int b;
        try {
            b = super.read();
        } catch (IOException e) {
            throw recorded(e);
        }
        if (b >= 0) {
            counted(b);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n;
        try {
            n = super.read(buffer, offset, length);
        } catch (IOException e) {
            throw recorded(e);
        }
        for (int i = 0; i < n; i++) {
            counted(buffer[offset + i]);
        }
        return n;
    }

    /**
     * Holds the body to its limits: an event that never ends, or a stream that never stops, would otherwise
     * grow the parser's buffer without bound. A blank line ends an event.
     */
    private void counted(int b) throws IOException {
        if (body.maxEventBytes() == 0) {
            return;
        }
        total++;
        inEvent++;
        if (b == '\n') {
            if (inLine == 0) {
                inEvent = 0;
            }
            inLine = 0;
        } else if (b != '\r') {
            inLine++;
        }
        if (inEvent > body.maxEventBytes()) {
            throw recorded(new JettyConnector.TooLarge("an event larger than " + body.maxEventBytes() + " bytes"));
        }
        if (body.maxStreamBytes() > 0 && total > body.maxStreamBytes()) {
            throw recorded(new JettyConnector.TooLarge("more than " + body.maxStreamBytes() + " bytes"));
        }
    }

    @Override
    public boolean eventBuffered() {
        try {
            return ((EventBuffer) in).holdsEventEnd();
        } catch (IOException | RuntimeException e) {
            return false; // the next read reports it (an abort is rethrown as it was made)
        }
    }

    /** {@link #close()} from another thread, for an {@link Abort}. */
    void abort() {
        try {
            close();
        } catch (IOException e) {
            // aborted either way: the exchange's abort fails any read
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        exchange.abort(new CancellationException("response closed before its end"));
        listener.close();
    }

    /**
     * Closes after a normal end of the stream ({@code [DONE]}): the rest of the body (the terminating
     * chunk) is normally already on its way, and once it is read the connection can serve the next
     * request. Aborts if it does not come within {@code wait}.
     */
    @Override
    public void finish(Duration wait) throws IOException {
        try {
            listener.await(wait.toMillis(), TimeUnit.MILLISECONDS);
            listener.close();
        } catch (TimeoutException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            close();
        }
    }

    private IOException recorded(IOException e) {
        if (!closed) {
            body.failed(e);
        }
        return e;
    }

    /**
     * Jetty's stream listener, counting the body bytes Jetty has handed it that have not been read yet (its
     * stream's {@code available()} says 0 regardless). Jetty reads the next HTTP chunk as soon as the last one was
     * read, so a nonzero count means more of the body is already here.
     */
    static final class CountingListener extends InputStreamResponseListener {
        private final AtomicLong unread = new AtomicLong();

        @Override
        public void onContent(Response response, Content.Chunk chunk, Runnable demander) {
            unread.addAndGet(chunk.remaining());
            super.onContent(response, chunk, demander);
        }

        InputStream stream() {
            return new FilterInputStream(getInputStream()) {
                @Override
                public int read() throws IOException {
                    int b = super.read();
                    if (b >= 0) {
                        unread.decrementAndGet();
                    }
                    return b;
                }

                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    int n = super.read(buffer, offset, length);
                    if (n > 0) {
                        unread.addAndGet(-n);
                    }
                    return n;
                }
            };
        }
    }

    /**
     * Read-ahead of the body that can tell whether a whole next event (up to its blank line) is here: in its
     * buffer, or there once it takes in what Jetty has already received, which does not wait for the network.
     */
    private static final class EventBuffer extends BufferedInputStream {
        private static final int SIZE = 1024;
        private final AtomicLong unread;

        EventBuffer(CountingListener listener) {
            super(listener.stream(), SIZE);
            this.unread = listener.unread;
        }

        synchronized boolean holdsEventEnd() throws IOException {
            while (!eventEndBuffered()) {
                if (unread.get() <= 0 || count - pos == buf.length) {
                    return false;
                }
                if (pos > 0) {
                    System.arraycopy(buf, pos, buf, 0, count - pos);
                    count -= pos;
                    pos = 0;
                    markpos = -1;
                }
                int n = in.read(buf, count, buf.length - count);
                if (n <= 0) {
                    return false;
                }
                count += n;
            }
            return true;
        }

        private boolean eventEndBuffered() {
            for (int i = pos + 1; i < count; i++) {
                boolean crlf = buf[i - 1] == '\r' && i >= pos + 2 && buf[i - 2] == '\n';
                if (buf[i] == '\n' && (buf[i - 1] == '\n' || crlf)) {
                    return true;
                }
            }
            return false;
        }
    }
}
