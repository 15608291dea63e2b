package dev.anyrouter.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.1 client on a raw socket: sends exact bytes, decodes the chunked response by hand so a test sees the
 * gateway's bytes as they arrive, and can hang up with a FIN or a reset at any moment.
 */
final class RawClient implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final StringBuilder pending = new StringBuilder();
    private boolean chunked;
    private boolean chunkEndPending;
    private boolean ended;
    int status;
    final Map<String, String> headers = new LinkedHashMap<>();

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.socket.setSoTimeout(30_000); // generous: a loaded CI machine can take seconds per request
        this.in = socket.getInputStream();
    }

    static RawClient connect(URI base) throws IOException {
        return new RawClient(new Socket(base.getHost(), base.getPort()));
    }

    /** A client whose socket buffers at most about {@code bytes} it has not read (a slow reader's backlog). */
    static RawClient connect(URI base, int bytes) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(bytes);
        socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
        return new RawClient(socket);
    }

    /** POSTs {@code body} as curl's {@code -d} does (a form Content-Type) and reads the status line and headers. */
    RawClient post(String path, String authorization, String body) throws IOException {
        return post(path, authorization, body, "Content-Type: application/x-www-form-urlencoded");
    }

    /** POSTs a JSON {@code body} with more header lines ({@code "x-api-key: …"}) and reads the status and headers. */
    RawClient postJson(String path, String body, String... headerLines) throws IOException {
        StringBuilder head = new StringBuilder("Content-Type: application/json");
        for (String line : headerLines) {
            head.append("\r\n").append(line);
        }
        return post(path, null, body, head.toString());
    }

    RawClient post(String path, String authorization, String body, String contentType) throws IOException {
        writePost(path, authorization, body, contentType);
        readHead();
        return this;
    }

    /** Sends a POST as {@link #post(String, String, String)} does, without waiting for its answer. */
    RawClient postOnly(String path, String authorization, String body) throws IOException {
        return writePost(path, authorization, body, "Content-Type: application/x-www-form-urlencoded");
    }

    /** Reads the status line and headers of the next response (after {@link #postOnly}). */
    RawClient response() throws IOException {
        readHead();
        return this;
    }

    private RawClient writePost(String path, String authorization, String body, String contentType)
            throws IOException {
        StringBuilder request = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: localhost\r\n");
        if (authorization != null) {
            request.append("Authorization: ").append(authorization).append("\r\n");
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        request.append(contentType).append("\r\nContent-Length: ").append(bytes.length).append("\r\n\r\n");
        OutputStream out = socket.getOutputStream();
        out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(bytes);
        out.flush();
        return this;
    }

    /** True when the server has closed the connection: the next read finds its end. */
    boolean closedByServer() throws IOException {
        return in.read() < 0;
    }

    /** GETs {@code path} and reads the status line and headers. */
    RawClient get(String path) throws IOException {
        return send("GET", path, null, null);
    }

    /** Sends a request with an {@code Authorization} header (if not null) and a JSON body (if not null). */
    RawClient send(String method, String path, String authorization, String json) throws IOException {
        StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n");
        if (authorization != null) {
            request.append("Authorization: ").append(authorization).append("\r\n");
        }
        byte[] bytes = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
        if (json != null) {
            request.append("Content-Type: application/json\r\nContent-Length: ").append(bytes.length).append("\r\n");
        }
        OutputStream out = socket.getOutputStream();
        out.write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(bytes);
        out.flush();
        readHead();
        return this;
    }

    /** The next complete SSE event block, with its trailing blank line, or {@code null} at the end. */
    String nextEvent() throws IOException {
        while (true) {
            int end = pending.indexOf("\n\n");
            if (end >= 0) {
                String event = pending.substring(0, end + 2);
                pending.delete(0, end + 2);
                return event;
            }
            if (!fill()) {
                return null;
            }
        }
    }

    /** The next event that is not a comment, or {@code null} at the end. */
    String nextData() throws IOException {
        String event;
        while ((event = nextEvent()) != null && event.startsWith(":")) {
            // keep-alive comment
        }
        return event;
    }

    /** Everything left in the body. */
    String rest() throws IOException {
        while (fill()) {
            // read on
        }
        String rest = pending.toString();
        pending.setLength(0);
        return rest;
    }

    /** Hangs up with a FIN. */
    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** Hangs up with a reset, as a killed process would. */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    private void readHead() throws IOException {
        headers.clear();
        ended = false;
        chunkEndPending = false;
        String line = line();
        status = Integer.parseInt(line.split(" ")[1]);
        while (!(line = line()).isEmpty()) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        chunked = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"));
        if (!chunked) {
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            pending.append(new String(in.readNBytes(length), StandardCharsets.UTF_8));
            ended = true;
        }
    }

    /**
     * Reads one HTTP chunk into {@code pending}; false at the end of the body. The CRLF that ends a chunk's data is
     * read before the next chunk, not after this one: Jetty sends it with the next chunk's size line, so waiting
     * for it would wait for the server's next write.
     */
    private boolean fill() throws IOException {
        if (ended) {
            return false;
        }
        if (chunkEndPending) {
            line();
            chunkEndPending = false;
        }
        String size = line();
        int length = Integer.parseInt(size.split(";")[0].trim(), 16);
        if (length == 0) {
            line();
            ended = true;
            return false;
        }
        pending.append(new String(in.readNBytes(length), StandardCharsets.UTF_8));
        chunkEndPending = true;
        return true;
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("connection closed mid-line");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.UTF_8);
    }
}
