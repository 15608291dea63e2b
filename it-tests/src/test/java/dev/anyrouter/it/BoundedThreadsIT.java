package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The account, generation, admin and readiness endpoints wait on the database on relay threads: while it does not
 * answer, many clients of them hold at most the bounded number of threads, and the rest get a clear 503 at once.
 */
class BoundedThreadsIT {

    private static final int CLIENTS = 300;
    /** BoundedAdmissionFilter.MAX. */
    private static final int BOUND = 64;

    private final List<Socket> sockets = new ArrayList<>();
    private Gateway gateway;

    @BeforeEach
    void start() {
        gateway = Gateway.offline();
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        gateway.close();
    }

    @Test
    void manyWaitingClientsHoldAtMostTheBoundAndTheRestGet503() throws Exception {
        int refused = 0;
        try (Connection exclusive = Gateway.database(gateway.dataDir()); Statement sql = exclusive.createStatement()) {
            sql.execute("SET EXCLUSIVE 1"); // every other session's statements wait: each request holds its thread
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    Socket socket = new Socket(gateway.uri().getHost(), gateway.uri().getPort());
                    // not /ready: it answers 503 itself after 2 s, and a place it gives back may go to a later client
                    String path = i % 2 == 0 ? "/api/v1/key" : "/api/v1/generation?id=gen-x";
                    socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: "
                            + Gateway.BEARER + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    sockets.add(socket);
                }
                await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10))
                        .until(() -> relayThreads() <= BOUND);
                for (Socket socket : sockets) {
                    String answer = answer(socket);
                    if (answer.startsWith("HTTP/1.1 503 ") && answer.contains("\"type\":\"overloaded_error\"")
                            && answer.contains("most account, admin and readiness requests")) {
                        refused++;
                    }
                }
            } finally {
                sql.execute("SET EXCLUSIVE 0");
            }
        }
        // most were refused at once; a few places came back while the database held (a query that gave up)
        assertThat(refused).isGreaterThanOrEqualTo(CLIENTS - 2 * BOUND);
        assertThat(relayThreads()).isLessThanOrEqualTo(BOUND);
        try (RawClient ready = RawClient.connect(gateway.uri()).get("/ready")) { // the places were given back
            assertThat(ready.status).isEqualTo(200);
        }
    }

    /** The gateway's live relay threads (platform threads on JDK 17; virtual ones are not listed). */
    private static long relayThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("anyrouter-relay-")).count();
    }

    /** What the socket received within a moment: an answered request, or "" for one still waiting. */
    private static String answer(Socket socket) throws IOException {
        socket.setSoTimeout(200);
        InputStream in = socket.getInputStream();
        StringBuilder text = new StringBuilder();
        byte[] buffer = new byte[4096];
        try {
            int n;
            while ((n = in.read(buffer)) > 0) {
                text.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            }
        } catch (SocketTimeoutException stillWaiting) {
            // held by the database
        }
        return text.toString();
    }
}
