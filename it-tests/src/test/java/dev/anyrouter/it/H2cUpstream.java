package dev.anyrouter.it;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.FutureCallback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A fake OpenAI-compatible upstream on a Jetty server that speaks HTTP/2 over cleartext (and HTTP/1.1, so a
 * request that arrives over HTTP/1.1 shows it). Each request is answered with SSE by the current {@link Script};
 * exchanges are recorded in order with their protocol, their connection and when their stream was reset.
 */
final class H2cUpstream implements AutoCloseable {

    /** What to send on one exchange. */
    interface Script {
        void play(Exchange exchange) throws Exception;
    }

    /** The streams one connection may carry at once: more than any test opens. */
    static final int MAX_STREAMS = 1_000;

    private final Server server;
    private final ServerConnector connector;
    private final BlockingQueue<Exchange> exchanges = new LinkedBlockingQueue<>();
    /** Every connection accepted: one endpoint each (h2c by prior knowledge replaces its HTTP/1.1 connection). */
    private final Set<EndPoint> opened = ConcurrentHashMap.newKeySet();
    private volatile Script script = exchange -> exchange.data("[DONE]");

    H2cUpstream() throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(1_000);
        threads.setName("h2c-upstream");
        server = new Server(threads);
        HTTP2CServerConnectionFactory h2c = new HTTP2CServerConnectionFactory();
        h2c.setMaxConcurrentStreams(MAX_STREAMS);
        connector = new ServerConnector(server, new HttpConnectionFactory(), h2c);
        connector.setHost("127.0.0.1");
        connector.setAcceptQueueSize(1_024);
        connector.addBean(new Connection.Listener() {
            @Override
            public void onOpened(Connection connection) {
                opened.add(connection.getEndPoint());
            }
        });
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                answer(request, response, callback);
                return true;
            }
        });
        server.start();
    }

    /** The base URL to configure as {@code OPENAI_BASE_URL}. */
    URI baseUri() {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/v1");
    }

    void script(Script next) {
        script = next;
    }

    /** The next exchange the gateway opened, waiting up to five seconds. */
    Exchange next() throws InterruptedException {
        Exchange exchange = exchanges.poll(5, TimeUnit.SECONDS);
        if (exchange == null) {
            throw new AssertionError("the upstream received no request");
        }
        return exchange;
    }

    /** Connections the gateway opened to this upstream so far. */
    int connectionsOpened() {
        return opened.size();
    }

    private void answer(Request request, Response response, Callback callback) {
        Exchange exchange;
        try {
            exchange = new Exchange(request, response, Content.Source.asString(request, StandardCharsets.UTF_8));
        } catch (IOException e) {
            callback.failed(e);
            return;
        }
        exchanges.add(exchange);
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
        try {
            script.play(exchange);
            callback.succeeded();
        } catch (Exception e) {
            exchange.resetAt.complete(System.nanoTime());
            callback.failed(e);
        }
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** One request and its answer. */
    static final class Exchange {
        /** The request's protocol as the upstream saw it: {@code HTTP/2.0} or {@code HTTP/1.1}. */
        final String protocol;
        /** The connection it came on. */
        final Object connection;
        final String body;
        private final Response response;
        private final CompletableFuture<Long> resetAt = new CompletableFuture<>();

        private Exchange(Request request, Response response, String body) {
            this.protocol = request.getConnectionMetaData().getProtocol();
            this.connection = request.getConnectionMetaData().getConnection();
            this.body = body;
            this.response = response;
        }

        /** One SSE event, written and flushed; fails once the gateway has reset the stream. */
        Exchange data(String data) throws IOException {
            FutureCallback written = new FutureCallback();
            response.write(false, BufferUtil.toBuffer("data: " + data + "\n\n", StandardCharsets.UTF_8), written);
            try {
                written.get(5, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw new IOException("the stream is gone", e.getCause());
            } catch (Exception e) {
                throw new IOException("the write did not complete", e);
            }
            return this;
        }

        /** {@code chunk(i)} every {@code everyMillis} until the stream is reset (at most {@code max}). */
        void streamUntilReset(int max, long everyMillis, java.util.function.IntFunction<String> chunk)
                throws IOException, InterruptedException {
            for (int i = 0; i < max; i++) {
                data(chunk.apply(i));
                Thread.sleep(everyMillis);
            }
        }

        /** When the gateway reset this stream ({@link System#nanoTime()}), waiting up to {@code millis}. */
        long awaitReset(long millis) throws Exception {
            return resetAt.get(millis, TimeUnit.MILLISECONDS);
        }
    }
}
