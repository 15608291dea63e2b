package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Input the gateway refuses, end to end on the embedded server: bodies with trailing data or numbers beyond a
 * double, reasoning budgets out of range, an admin body over the size limit, and requests Jetty itself refuses,
 * each a JSON error with its status, and no {@code Server} header on any answer.
 */
class InputHandlingIT {

    private static final String ADMIN_KEY = "admin-key-0123456789abcdef";
    private static final String USER = "[{\"role\":\"user\",\"content\":\"hi\"}]";

    private ScriptedUpstream upstream;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        upstream = new ScriptedUpstream();
        gateway = Gateway.againstAnthropic(upstream.root(), "ANYROUTER_MAX_BODY_BYTES", "1024",
                "ANYROUTER_ADMIN_KEY", ADMIN_KEY);
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "trailing data|{\"model\":\"anthropic/claude-x\",\"messages\":" + USER + "} trailing|not valid JSON",
        "a second object|{\"model\":\"anthropic/claude-x\",\"messages\":" + USER + "}{}|not valid JSON",
        "1e999|{\"model\":\"anthropic/claude-x\",\"temperature\":1e999,\"messages\":" + USER + "}|out of range",
        "a budget past an int|{\"model\":\"anthropic/claude-x\",\"reasoning\":{\"max_tokens\":2147483647},"
                + "\"messages\":" + USER + "}|reasoning.max_tokens: 2147483647",
        "a negative budget|{\"model\":\"anthropic/claude-x\",\"reasoning\":{\"max_tokens\":-100},"
                + "\"messages\":" + USER + "}|reasoning.max_tokens: -100",
    })
    void refusesBadBodiesWithA400AndNothingReachesTheUpstream(String name, String body, String message)
            throws Exception {
        String answer = exchange("POST /api/v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: "
                + Gateway.BEARER + "\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n" + body);

        assertThat(answer).startsWith("HTTP/1.1 400 ").contains("\"type\":\"invalid_request_error\"")
                .contains(message);
        assertThat(upstream.idle()).isTrue();
    }

    @Test
    void holdsTheAdminApiToTheBodyLimit() throws Exception {
        String body = "{\"label\":\"" + "x".repeat(2000) + "\"}";
        String answer = exchange("POST /api/v1/keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + ADMIN_KEY
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                + "\r\nConnection: close\r\n\r\n" + body);

        assertThat(answer).startsWith("HTTP/1.1 413 ").contains("\"type\":\"request_too_large\"");
        assertThat(gateway.engine().keyStore().list()).noneMatch(key -> key.label().startsWith("xxx"));
    }

    @Test
    void refusesTrailingDataOnTheAdminApi() throws Exception {
        String body = "{\"label\":\"ok\"} {\"label\":\"again\"}";
        String answer = exchange("POST /api/v1/keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + ADMIN_KEY
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                + "\r\nConnection: close\r\n\r\n" + body);

        assertThat(answer).startsWith("HTTP/1.1 400 ").contains("not valid JSON");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "an ambiguous path|GET /api/v1/%2e%2e/%2e%2e/etc HTTP/1.1|400",
        "a bad request line|GARBAGE|400",
        "an unknown version|GET /health HTTP/7.3|505",
    })
    void answersJettysOwnRefusalsInTheJsonShape(String name, String requestLine, int status) throws Exception {
        String answer = exchange(requestLine + "\r\nHost: x\r\nConnection: close\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 " + status + " ");
        assertJsonError(answer, status);
    }

    @Test
    void answersHeadersTooLargeInTheJsonShape() throws Exception {
        String answer = exchange("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000)
                + "\r\nConnection: close\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 431 ");
        assertJsonError(answer, 431);
    }

    @Test
    void namesNoServer() throws Exception {
        assertThat(exchange("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 200 ").doesNotContainIgnoringCase("\r\nServer:");
        assertThat(exchange("GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 404 ").doesNotContainIgnoringCase("\r\nServer:");
    }

    private static void assertJsonError(String answer, int status) {
        String head = answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase();
        String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
        assertThat(head).contains("content-type: application/json").doesNotContain("\r\nserver:");
        assertThat(body).startsWith("{\"error\":{\"code\":" + status + ",\"message\":").doesNotContain("<");
    }

    /** Sends raw bytes and reads until the server closes. */
    private String exchange(String request) throws IOException {
        try (Socket socket = new Socket(gateway.uri().getHost(), gateway.uri().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
