package dev.anyrouter.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Cancellation timing: an upstream in this JVM that streams a chunk every 10 ms (or stays silent after its
 * headers) and records the instant the gateway closes its connection; a raw-socket client that hangs up.
 * Both clocks are this JVM's, so the difference is the gateway's reaction time.
 */
final class CancelBench implements AutoCloseable {

    private static final String CHUNK = "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},\"finish_reason\":null}]}";

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final BlockingQueue<Long> closes = new LinkedBlockingQueue<>();
    private volatile boolean silent;

    CancelBench() throws IOException {
        server = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
        threads.execute(this::accept);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getLocalPort() + "/v1";
    }

    /** Prints the times from a client's hang-up to the upstream's close through the gateway on {@code gatewayPort}. */
    void report(int gatewayPort, String key, boolean quick) throws Exception {
        measure(gatewayPort, key, 20, false);
        Stats streaming = new Stats(measure(gatewayPort, key, quick ? 20 : 200, false));
        Stats silent = new Stats(measure(gatewayPort, key, quick ? 5 : 30, true));
        System.out.printf(Locale.ROOT, "client hang-up -> upstream closed, tokens flowing (ms):  p50 %.2f  p99 %.2f%n",
                streaming.ms(50), streaming.ms(99));
        System.out.printf(Locale.ROOT, "client hang-up -> upstream closed, upstream silent (ms): p50 %.2f  p99 %.2f%n",
                silent.ms(50), silent.ms(99));
    }

    /** Nanoseconds from the client's hang-up to the upstream seeing its connection closed, one per stream. */
    long[] measure(int gatewayPort, String key, int streams, boolean whileSilent) throws Exception {
        silent = whileSilent;
        long[] delays = new long[streams];
        for (int i = 0; i < streams; i++) {
            closes.clear();
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), gatewayPort)) {
                client.setSoTimeout(10_000);
                byte[] body = ("{\"model\":\"openai/m\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"x\"}]}").getBytes(StandardCharsets.UTF_8);
                OutputStream out = client.getOutputStream();
                out.write(("POST /api/v1/chat/completions HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer " + key
                        + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
                // Streaming: hang up after three chunks. Silent: after the 200 and its first keep-alive.
                awaitText(client.getInputStream(), whileSilent ? ": keep-alive" : "\"content\":\"x\"",
                        whileSilent ? 1 : 3);
                client.setSoLinger(true, 0);
                long hungUp = System.nanoTime();
                client.close();
                Long seen = closes.poll(5, TimeUnit.SECONDS);
                if (seen == null) {
                    throw new IllegalStateException("the upstream never saw the close of stream " + i);
                }
                delays[i] = seen - hungUp;
            }
        }
        return delays;
    }

    private static void awaitText(InputStream in, String text, int times) throws IOException {
        StringBuilder seen = new StringBuilder();
        byte[] buffer = new byte[4096];
        int found = 0;
        while (found < times) {
            int n = in.read(buffer);
            if (n < 0) {
                throw new IOException("the gateway closed the stream early: " + seen);
            }
            seen.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            found = (seen.length() - seen.toString().replace(text, "").length()) / text.length();
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                threads.execute(() -> serve(socket));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            threads.execute(() -> watch(socket));
            String event = "data: " + CHUNK + "\n\n";
            byte[] chunk = (Integer.toHexString(event.length()) + "\r\n" + event + "\r\n")
                    .getBytes(StandardCharsets.UTF_8);
            while (!socket.isClosed()) {
                if (!silent) {
                    out.write(chunk);
                    out.flush();
                }
                Thread.sleep(10);
            }
        } catch (IOException | InterruptedException e) {
            // the gateway hung up: watch() has recorded when
        }
    }

    private void watch(Socket socket) {
        try {
            while (socket.getInputStream().read() >= 0) {
                // the request body, then nothing until the gateway closes
            }
        } catch (IOException reset) {
            // a reset is a close too
        }
        closes.add(System.nanoTime());
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
