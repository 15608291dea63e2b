package dev.anyrouter.upstream;

import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.core.HttpHeaders;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.io.Content;
import org.glassfish.jersey.client.ClientRequest;
import org.glassfish.jersey.client.ClientResponse;
import org.glassfish.jersey.client.spi.AsyncConnectorCallback;
import org.glassfish.jersey.client.spi.Connector;
import org.glassfish.jersey.message.internal.Statuses;

/**
 * A Jersey client {@link Connector} on Jetty's {@link HttpClient} that streams the response body and can abort the
 * exchange from another thread at any point. Of the published connectors, the default one cannot abort a blocked
 * read, Jersey's Jetty connector buffers whole responses, Apache's cannot abort before the headers arrive and the
 * JDK one's client cannot be stopped on JDK 17, which leaks its threads on undeploy (docs/decisions/upstream-connector.md).
 *
 * <p>Aborting: an {@link Abort} switch passed as a request property aborts the Jetty request while its headers are
 * awaited, and closes the entity stream afterwards; closing the entity stream before the body ended aborts it too,
 * which closes the connection and makes a read blocked on the stream fail.
 */
final class JettyConnector implements Connector {

    private final HttpClient http;
    private final Duration headerTimeout;

    JettyConnector(HttpClient http, Duration headerTimeout) {
        this.http = http;
        this.headerTimeout = headerTimeout;
    }

    @Override
    public ClientResponse apply(ClientRequest request) {
        Request exchange = http.newRequest(request.getUri()).method(request.getMethod());
        // put, not add: a header Jetty sets on every request (its User-Agent) is replaced, never sent twice
        request.getStringHeaders().forEach((name, values) -> exchange.headers(headers -> headers.put(name, values)));
        if (request.hasEntity()) {
            exchange.body(new BytesRequestContent(request.getHeaderString(HttpHeaders.CONTENT_TYPE), entity(request)));
        }
        UpstreamBody body = request.resolveProperty(UpstreamBody.PROPERTY, UpstreamBody.class);
        if (body != null) {
            exchange.onRequestSuccess(sent -> body.sent());
        }
        Abort abort = request.resolveProperty(Abort.PROPERTY, Abort.class);
        if (abort != null) {
            abort.onAbort(() -> exchange.abort(new CancellationException("aborted while waiting for the response")));
        }
        CountingListener listener = new CountingListener();
        exchange.send(listener);
        Response response;
        try {
            response = listener.get(headerTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            exchange.abort(new CancellationException("cancelled while waiting for the response"));
            Thread.currentThread().interrupt();
            throw new ProcessingException("cancelled while waiting for the response", e);
        } catch (TimeoutException e) {
            exchange.abort(e);
            throw new ProcessingException("no response headers within " + headerTimeout.toMillis() + " ms", e);
        } catch (ExecutionException e) {
            throw new ProcessingException(e.getCause().getMessage(), e.getCause());
        }
        ClientResponse answer = new ClientResponse(Statuses.from(response.getStatus(), response.getReason()), request);
        response.getHeaders().forEach(field -> answer.getHeaders().add(field.getName(), field.getValue()));
        AbortOnClose stream = new AbortOnClose(listener, exchange,
                body == null ? new UpstreamBody(() -> { }, 0, 0) : body);
        answer.setEntityStream(stream);
        if (abort != null) {
            abort.onAbort(stream::abort);
        }
        return answer;
    }

    @Override
    public Future<?> apply(ClientRequest request, AsyncConnectorCallback callback) {
        try {
            ClientResponse response = apply(request);
            callback.response(response);
            return CompletableFuture.completedFuture(response);
        } catch (ProcessingException e) {
            callback.failure(e);
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public String getName() {
        return "AnyRouter Jetty HttpClient connector";
    }

    @Override
    public void close() {
        // the HttpClient belongs to UpstreamClient, which stops it
    }

    private static byte[] entity(ClientRequest request) {
        if (request.getEntity() instanceof byte[] ready) {
            return ready; // the gateway's own bodies: no trip through Jersey's writers
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        request.setStreamProvider(contentLength -> bytes);
        try {
            request.writeEntity();
        } catch (IOException e) {
            throw new ProcessingException("the request entity cannot be written", e);
        }
        return bytes.toByteArray();
    }

    /**
     * The body stream. Closing it before the end aborts the exchange instead of draining it; a read that fails
     * for another reason (the connection broke) is recorded in the {@link UpstreamBody}.
     */
    /**
     * Jetty's stream listener, counting the body bytes Jetty has handed it that have not been read yet (its
     * stream's {@code available()} says 0 regardless). Jetty reads the next HTTP chunk as soon as the last one was
     * read, so a nonzero count means more of the body is already here.
     */
    private static final class CountingListener extends InputStreamResponseListener {
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

    private static final class AbortOnClose extends FilterInputStream implements UpstreamBody.Finisher {
        private final InputStreamResponseListener listener;
        private final Request exchange;
        private final UpstreamBody body;
        private volatile boolean closed;
        /** Bytes read in all, since the last event's blank line, and on the current line (without CR). */
        private long total;
        private long inEvent;
        private long inLine;

        AbortOnClose(CountingListener listener, Request exchange, UpstreamBody body) {
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
                throw recorded(new TooLarge("an event larger than " + body.maxEventBytes() + " bytes"));
            }
            if (body.maxStreamBytes() > 0 && total > body.maxStreamBytes()) {
                throw recorded(new TooLarge("more than " + body.maxStreamBytes() + " bytes"));
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
    }

    /** An upstream body over its limits ({@code ANYROUTER_MAX_EVENT_BYTES}, {@code ANYROUTER_MAX_STREAM_BYTES}). */
    static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        TooLarge(String what) {
            super("the upstream sent " + what);
        }
    }
}
