package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Slowloris against the embedded server: thousands of connections from several loopback addresses that send one
 * header byte at a time never complete a head. The gateway closes each at its head deadline, keeps answering
 * {@code /health} and streaming for a real client meanwhile, and closes a connection over the per-address cap at
 * once; a head is timed from its first byte. The number of sockets fits the test JVM's descriptor limit (both ends
 * live in this JVM).
 */
class SlowClientsIT {

    private static final int WANTED = 2_000;
    private static final int PER_ADDRESS = 100;

    private final List<Socket> sockets = new ArrayList<>();
    private final ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
    private Gateway gateway;

    @AfterEach
    void stop() throws IOException {
        trickle.shutdownNow();
        for (Socket socket : sockets) {
            socket.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void closesHeadsThatNeverEndAndStaysHealthyMeanwhile() throws Exception {
        gateway = Gateway.offline("ANYROUTER_HEADER_TIMEOUT_MS", "2000",
                "ANYROUTER_MAX_CONNECTIONS_PER_ADDRESS", String.valueOf(PER_ADDRESS));
        int count = affordable();
        for (int i = 0; i < count; i++) {
            sockets.add(slowClient(gateway.uri(), InetAddress.getByName("127.0.0." + (2 + i / PER_ADDRESS))));
        }
        trickle.scheduleWithFixedDelay(this::oneMoreByteEach, 500, 500, TimeUnit.MILLISECONDS);

        try (RawClient health = RawClient.connect(gateway.uri()).get("/health")) {
            assertThat(health.status).isEqualTo(200);
        }
        try (RawClient stream = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER,
                Chunks.REQUEST)) {
            assertThat(stream.status).isEqualTo(200);
            assertThat(stream.rest()).endsWith("data: [DONE]\n\n");
        }
        // Every slow connection is closed at its deadline although it keeps sending.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> sockets.stream().filter(socket -> !closedByTheGateway(socket)).count() == 0);
        assertThat(count).isGreaterThanOrEqualTo(Math.min(WANTED, 500));
    }

    /**
     * A head's deadline runs from its first byte, also on a new connection: one whose head the server has not read
     * yet (a burst of new connections on busy cores) or that has sent nothing is not the slowloris this deadline is
     * for, and the idle timeout bounds a silent one. Timed from the opening, this request was refused unread.
     */
    @Test
    void timesANewConnectionsHeadFromItsFirstByte() throws Exception {
        gateway = Gateway.offline("ANYROUTER_HEADER_TIMEOUT_MS", "300");
        try (RawClient quiet = RawClient.connect(gateway.uri())) {
            Thread.sleep(1_500); // five head deadlines, well within the idle timeout
            assertThat(quiet.get("/health").status).isEqualTo(200);
        }
    }

    @Test
    void closesAConnectionOverThePerAddressCapAtOnce() throws Exception {
        gateway = Gateway.offline("ANYROUTER_HEADER_TIMEOUT_MS", "60000",
                "ANYROUTER_MAX_CONNECTIONS_PER_ADDRESS", String.valueOf(PER_ADDRESS));
        InetAddress one = InetAddress.getByName("127.0.0.250");
        for (int i = 0; i < PER_ADDRESS + 50; i++) {
            sockets.add(slowClient(gateway.uri(), one));
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.openConnections() == PER_ADDRESS);
        try (RawClient health = RawClient.connect(gateway.uri()).get("/health")) { // another address: admitted
            assertThat(health.status).isEqualTo(200);
        }
        // the over-cap connections stay closed: only the health check's connection comes and goes
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.openConnections() == PER_ADDRESS);
    }

    /** As many slow clients as the descriptor limit allows, up to {@link #WANTED}: two descriptors each. */
    private static int affordable() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
            long spare = unix.getMaxFileDescriptorCount() - unix.getOpenFileDescriptorCount() - 1_000;
            return (int) Math.max(0, Math.min(WANTED, spare / 2 / PER_ADDRESS * PER_ADDRESS));
        }
        return WANTED;
    }

    private static Socket slowClient(URI gateway, InetAddress from) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(from, 0));
        socket.connect(new InetSocketAddress(gateway.getHost(), gateway.getPort()), 10_000);
        socket.getOutputStream().write("GET /health HTTP/1.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
        return socket;
    }

    /** Whether the gateway has closed {@code socket}: what it sent, then the end (or a reset). */
    private static boolean closedByTheGateway(Socket socket) {
        try {
            socket.setSoTimeout(1);
            byte[] buffer = new byte[4096];
            while (true) {
                if (socket.getInputStream().read(buffer) < 0) {
                    return true;
                }
            }
        } catch (java.net.SocketTimeoutException open) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    private void oneMoreByteEach() {
        for (Socket socket : sockets) {
            try {
                OutputStream out = socket.getOutputStream();
                out.write('a');
            } catch (IOException closedByTheGateway) {
                // expected once its deadline passed
            }
        }
    }
}
