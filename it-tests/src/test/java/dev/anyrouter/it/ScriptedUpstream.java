package dev.anyrouter.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A fake upstream (OpenAI-compatible or Anthropic) on loopback that speaks raw HTTP/1.1, so a test controls every
 * byte it sends (chunked SSE, CRLF, comments, abrupt drops) and learns the instant the gateway closed the connection.
 * Each request is answered by the current {@link Script}; exchanges are recorded in order.
 */
final class ScriptedUpstream implements AutoCloseable {

    /** What to do with one exchange. */
    interface Script {
        void play(Exchange exchange) throws Exception;
    }

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final BlockingQueue<Exchange> exchanges = new LinkedBlockingQueue<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Set<Socket> exchanging = ConcurrentHashMap.newKeySet();
    private volatile Script script = exchange -> exchange.json(200, "{}");

    ScriptedUpstream() throws IOException {
        server = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
    }

    /** The base URL to configure as {@code OPENAI_BASE_URL}. */
    URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1");
    }

    /** The base URL to configure as {@code ANTHROPIC_BASE_URL}: the gateway appends {@code /v1/messages}. */
    URI root() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
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

    boolean idle() {
        return exchanges.isEmpty();
    }

    /** Connections that carried a request and that the gateway has not closed yet. */
    int openExchanges() {
        return exchanging.size();
    }

    /** Connections open without a request on them: a client pool's spare connections. */
    int idleConnections() {
        return open.size() - exchanging.size();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                open.add(socket);
                threads.execute(() -> serve(socket));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            Exchange exchange = Exchange.read(socket);
            exchanging.add(socket);
            threads.execute(exchange::watchForClose);
            exchanges.add(exchange);
            script.play(exchange);
            exchange.awaitClosed(30_000);
        } catch (Exception e) {
            // the gateway went away mid-script: that is what many tests provoke
        } finally {
            exchanging.remove(socket);
            open.remove(socket);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : open) {
            socket.close();
        }
        threads.shutdownNow();
    }

    /** One request and the means to answer it byte by byte. */
    static final class Exchange {
        final String requestLine;
        final Map<String, String> headers;
        final String body;
        /** The request head as sent (every header line, repeated ones too). */
        String rawHead = "";
        private final Socket socket;
        private final OutputStream out;
        private final CompletableFuture<Long> closedAt = new CompletableFuture<>();

        private Exchange(String requestLine, Map<String, String> headers, String body, Socket socket)
                throws IOException {
            this.requestLine = requestLine;
            this.headers = headers;
            this.body = body;
            this.socket = socket;
            this.out = socket.getOutputStream();
        }

        static Exchange read(Socket socket) throws IOException {
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            String[] lines = head.split("\r\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
            Exchange exchange = new Exchange(lines[0], headers, body, socket);
            exchange.rawHead = head;
            return exchange;
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("connection closed inside the request head");
                }
                head.write(b);
                matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            return head.toString(StandardCharsets.ISO_8859_1);
        }

        /** Starts a chunked {@code text/event-stream} response. */
        Exchange sseHead() throws IOException {
            return write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
                    + "Connection: close\r\n\r\n");
        }

        /** One HTTP chunk holding {@code text} as it is. */
        Exchange chunk(String text) throws IOException {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            return write(Integer.toHexString(bytes.length) + "\r\n" + text + "\r\n");
        }

        /** One {@code data:} event. */
        Exchange data(String json) throws IOException {
            return chunk("data: " + json + "\n\n");
        }

        /** One named event, as the Messages API sends them. */
        Exchange event(String name, String json) throws IOException {
            return chunk("event: " + name + "\ndata: " + json + "\n\n");
        }

        /** The terminating chunk: a clean end of the body. */
        Exchange end() throws IOException {
            return write("0\r\n\r\n");
        }

        /** A complete non-streamed response. */
        Exchange json(int status, String json, String... extraHeaders) throws IOException {
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + bytes.length + "\r\nConnection: close\r\n");
            for (String header : extraHeaders) {
                head.append(header).append("\r\n");
            }
            write(head.append("\r\n").toString());
            out.write(bytes);
            out.flush();
            return this;
        }

        Exchange pause(long millis) throws InterruptedException {
            Thread.sleep(millis);
            return this;
        }

        /** Drops the connection with a reset, mid-whatever. */
        void reset() throws IOException {
            socket.setSoLinger(true, 0);
            socket.close();
        }

        /** Streams {@code chunk(i)} every {@code everyMillis} until the gateway hangs up (or {@code max}). */
        void streamUntilClosed(int max, long everyMillis, java.util.function.IntFunction<String> chunk)
                throws IOException, InterruptedException {
            sseHead();
            for (int i = 0; i < max && !closedAt.isDone(); i++) {
                data(chunk.apply(i));
                Thread.sleep(everyMillis);
            }
        }

        /** When the gateway closed this connection ({@link System#nanoTime()}), waiting up to {@code millis}. */
        long awaitClosed(long millis) throws Exception {
            return closedAt.get(millis, TimeUnit.MILLISECONDS);
        }

        boolean closed() {
            return closedAt.isDone();
        }

        private void watchForClose() {
            try {
                while (socket.getInputStream().read() >= 0) {
                    // the gateway sends nothing more on this connection; wait for its close
                }
            } catch (IOException reset) {
                // a reset is a close too
            }
            closedAt.complete(System.nanoTime());
        }

        private Exchange write(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
            return this;
        }
    }
}
