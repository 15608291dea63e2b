package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.store.KeyStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Request bodies that trickle in cannot hold the embedded server's threads (JDK 17: a bounded pool of platform
 * threads reads them): a body slower than the minimum rate is cut off, so another tenant's request still gets a
 * thread, and a body that stops is cut off within seconds; and a key over its credit limit is refused before its
 * body is read at all.
 */
class SlowBodiesIT {

    /** More than the embedded server's 200 threads. */
    private static final int SLOW_BODIES = 250;

    private final List<Socket> sockets = new ArrayList<>();
    private final ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
    private Gateway gateway;

    @BeforeEach
    void start() {
        gateway = Gateway.offline();
    }

    @AfterEach
    void stop() throws IOException {
        trickle.shutdownNow();
        for (Socket socket : sockets) {
            socket.close();
        }
        gateway.close();
    }

    @Test
    void refusesAKeyOverItsLimitBeforeItsBodyIsSent() throws Exception {
        KeyStore.NewKey broke = gateway.engine().keyStore().create("broke", Optional.of(BigDecimal.ZERO));
        gateway.engine().keys().update(broke.record());

        try (Socket socket = new Socket(gateway.uri().getHost(), gateway.uri().getPort())) {
            socket.setSoTimeout(20_000); // the idle timeout (30 s) would answer otherwise
            socket.getOutputStream().write(head("Bearer " + broke.key(), 5_000));
            String status = statusLine(socket.getInputStream());

            assertThat(status).startsWith("HTTP/1.1 402 ");
        }
    }

    @Test
    void slowBodiesDoNotStarveAnotherTenant() throws Exception {
        for (int i = 0; i < SLOW_BODIES; i++) {
            Socket socket = new Socket(gateway.uri().getHost(), gateway.uri().getPort());
            socket.getOutputStream().write(head(Gateway.BEARER, 100_000));
            sockets.add(socket);
        }
        trickle.scheduleWithFixedDelay(this::oneMoreByteEach, 300, 300, TimeUnit.MILLISECONDS);
        KeyStore.NewKey other = gateway.engine().keyStore().create("other tenant", Optional.empty());
        gateway.engine().keys().update(other.record());

        try (RawClient stream = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions",
                "Bearer " + other.key(), Chunks.REQUEST)) {
            assertThat(stream.status).isEqualTo(200);
            assertThat(stream.rest()).endsWith("data: [DONE]\n\n");
        }
        // the slow ones are cut off with a 408 (or their connection closed)
        Socket first = sockets.get(0);
        first.setSoTimeout(20_000);
        assertThat(statusLine(first.getInputStream())).satisfiesAnyOf(
                line -> assertThat(line).startsWith("HTTP/1.1 408 "), line -> assertThat(line).isEmpty());
    }

    @Test
    void aBodyThatStopsIsCutOffLongBeforeTheIdleTimeout() throws Exception {
        try (Socket socket = new Socket(gateway.uri().getHost(), gateway.uri().getPort())) {
            socket.setSoTimeout(20_000); // the idle timeout (30 s) would close it otherwise
            socket.getOutputStream().write(head(Gateway.BEARER, 5_000)); // then nothing more
            long start = System.nanoTime();

            assertThat(statusLine(socket.getInputStream())).satisfiesAnyOf(
                    line -> assertThat(line).startsWith("HTTP/1.1 408 "), line -> assertThat(line).isEmpty());
            // 2 s of grace, looked at once a second
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        }
    }

    private static byte[] head(String authorization, int length) {
        return ("POST /api/v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: " + authorization
                + "\r\nContent-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n{")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private void oneMoreByteEach() {
        for (Socket socket : sockets) {
            try {
                OutputStream out = socket.getOutputStream();
                out.write(' ');
            } catch (IOException closedByTheGateway) {
                // cut off
            }
        }
    }

    /** The status line, or "" when the connection closed first. */
    private static String statusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            line.append((char) b);
        }
        return line.toString().trim();
    }
}
