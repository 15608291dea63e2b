package dev.anyrouter.it;

import static dev.anyrouter.it.Chunks.REQUEST;
import static dev.anyrouter.it.Chunks.content;
import static dev.anyrouter.it.Chunks.relayed;
import static dev.anyrouter.it.Chunks.role;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.anyrouter.accounting.Generation;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every failure a client can meet, before and after the first byte, each with its status and JSON shape. */
class ErrorsIT {

    private static final String NON_STREAMING = "{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"hi\"}]}";

    private ScriptedUpstream upstream;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        upstream = new ScriptedUpstream();
        // A grace long enough that an upstream error sent at once always keeps its status, however loaded the
        // machine (a cold first request can take longer than the fixture's usual 150 ms).
        gateway = Gateway.against(upstream.baseUri(), "ANYROUTER_MAX_BODY_BYTES", "2048",
                "ANYROUTER_COMMIT_GRACE_MS", "2000");
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    private RawClient post(String authorization, String body) throws Exception {
        return RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", authorization, body);
    }

    @ParameterizedTest(name = "upstream {0} -> {1} ({2})")
    @CsvSource({
        "429, 429, rate_limit_error",
        "500, 502, upstream_error",
        "503, 503, overloaded_error",
        "529, 503, overloaded_error",
        "401, 502, upstream_error",
        "403, 502, upstream_error",
        "400, 400, invalid_request_error",
        "404, 404, invalid_request_error",
        "504, 504, timeout_error",
    })
    void mapsUpstreamErrorsBeforeTheFirstByteToTheirStatus(int upstreamStatus, int status, String type)
            throws Exception {
        upstream.script(x -> x.json(upstreamStatus, "{\"error\":{\"message\":\"no: " + Gateway.UPSTREAM_KEY
                + "\",\"type\":\"x\"}}", "Retry-After: 7"));

        for (String body : new String[] {REQUEST, NON_STREAMING}) {
            try (RawClient client = post(Gateway.BEARER, body)) {
                String json = client.rest();
                assertThat(client.status).isEqualTo(status);
                assertThat(client.headers).containsEntry("content-type", "application/json");
                assertThat(json).startsWith("{\"error\":{\"code\":" + status + ",\"message\":\"upstream 'openai'")
                        .contains("\"type\":\"" + type + "\"").doesNotContain(Gateway.UPSTREAM_KEY);
                if (upstreamStatus == 401 || upstreamStatus == 403) {
                    assertThat(json).doesNotContain("no: ");
                }
                if (status == 429) {
                    assertThat(client.headers).containsEntry("retry-after", "7");
                }
            }
        }
    }

    @Test
    void answers502WhenTheUpstreamIsUnreachable() throws Exception {
        URI closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/v1");
        }
        try (Gateway unreachable = Gateway.against(closed);
                RawClient client = RawClient.connect(unreachable.uri())
                        .post("/api/v1/chat/completions", Gateway.BEARER, REQUEST)) {
            assertThat(client.status).isEqualTo(502);
            assertThat(client.rest()).contains("upstream 'openai' is unreachable");
        }
    }

    @Test
    void answers504WhenTheUpstreamSendsNoHeadersInTime() throws Exception {
        upstream.script(x -> x.awaitClosed(10_000));
        try (Gateway slow = Gateway.against(upstream.baseUri(), "ANYROUTER_FIRST_BYTE_TIMEOUT_MS", "300",
                "ANYROUTER_COMMIT_GRACE_MS", "2000");
                RawClient client = RawClient.connect(slow.uri())
                        .post("/api/v1/chat/completions", Gateway.BEARER, REQUEST)) {
            assertThat(client.status).isEqualTo(504);
            assertThat(client.rest()).contains("\"code\":504").contains("did not answer in time");
        }
    }

    @Test
    void reportsAHeaderTimeoutInBandOnceTheStreamIsCommitted() throws Exception {
        upstream.script(x -> x.awaitClosed(10_000));
        try (Gateway slow = Gateway.against(upstream.baseUri(), "ANYROUTER_FIRST_BYTE_TIMEOUT_MS", "600");
                RawClient client = RawClient.connect(slow.uri())
                        .post("/api/v1/chat/completions", Gateway.BEARER, REQUEST)) {
            assertThat(client.status).isEqualTo(200);
            String event = client.nextData();
            assertThat(event).contains("\"error\":{\"code\":504").contains("\"finish_reason\":\"error\"");
            assertThat(client.nextData()).isNull();
        }
    }

    @Test
    void endsWithOneErrorChunkWhenTheUpstreamDropsMidStream() throws Exception {
        upstream.script(x -> {
            x.sseHead().data(role()).data(content("a")).pause(50);
            x.reset();
        });

        try (RawClient client = post(Gateway.BEARER, REQUEST)) {
            String id = client.headers.get("x-generation-id");
            assertThat(client.nextData()).isEqualTo(relayed(role(), id));
            assertThat(client.nextData()).isEqualTo(relayed(content("a"), id));
            assertThat(client.nextData()).isEqualTo("data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\","
                    + "\"created\":1700000000,\"model\":\"gpt-4o\",\"error\":{\"code\":502,\"message\":\"upstream "
                    + "'openai' connection failed mid-stream\"},\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},"
                    + "\"finish_reason\":\"error\"}]}\n\n");
            assertThat(client.nextData()).isNull();
            assertThat(gateway.generation(id).outcome()).isEqualTo(Generation.Outcome.FAILED);
        }
    }

    @Test
    void endsWithA504ChunkWhenTheUpstreamGoesSilentMidStream() throws Exception {
        upstream.script(x -> x.sseHead().data(role()).data(content("a")).awaitClosed(10_000));
        try (Gateway impatient = Gateway.against(upstream.baseUri(), "ANYROUTER_FIRST_BYTE_TIMEOUT_MS", "400");
                RawClient client = RawClient.connect(impatient.uri())
                        .post("/api/v1/chat/completions", Gateway.BEARER, REQUEST)) {
            client.nextData();
            client.nextData();
            assertThat(client.nextData()).contains("\"error\":{\"code\":504,\"message\":\"upstream 'openai' went silent "
                    + "mid-stream\"}").contains("\"finish_reason\":\"error\"");
            assertThat(client.nextData()).isNull();
        }
    }

    @Test
    void endsCleanlyWhenTheUpstreamBreaksOffAfterItsFinishChunk() throws Exception {
        upstream.script(x -> {
            x.sseHead().data(role()).data(content("a")).data(Chunks.finish("stop")).pause(50);
            x.reset();
        });

        try (RawClient client = post(Gateway.BEARER, REQUEST)) {
            String id = client.headers.get("x-generation-id");
            assertThat(Chunks.withoutComments(client.rest())).endsWith(relayed(Chunks.finish("stop"), id)
                    + "data: [DONE]\n\n");
            assertThat(gateway.generation(id).outcome()).isEqualTo(Generation.Outcome.COMPLETED);
        }
    }

    @Test
    void turnsAnInBandUpstreamErrorIntoAnErrorChunk() throws Exception {
        upstream.script(x -> x.sseHead().data(role()).data(content("a"))
                .data("{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}").end());

        try (RawClient client = post(Gateway.BEARER, REQUEST)) {
            client.nextData();
            client.nextData();
            assertThat(client.nextData()).contains("\"error\":{\"code\":502,\"message\":\"upstream 'openai' failed "
                    + "mid-stream: overloaded\"}").contains("\"finish_reason\":\"error\"");
            assertThat(client.nextData()).isNull();
        }
    }

    @Test
    void neverEndsCleanlyWhenTheUpstreamStopsBeforeFinishing() throws Exception {
        upstream.script(x -> x.sseHead().data(role()).data(content("a")).end());

        try (RawClient client = post(Gateway.BEARER, REQUEST)) {
            String body = Chunks.withoutComments(client.rest());
            assertThat(body).contains("ended the stream before it finished").contains("\"finish_reason\":\"error\"")
                    .doesNotContain("[DONE]").doesNotContain("\"finish_reason\":\"stop\"");
        }
    }

    @Test
    void keepsTheRealStatusWhenTheFirstUpstreamEventIsAnError() throws Exception {
        upstream.script(x -> x.sseHead().data("{\"error\":{\"message\":\"context too long\"}}").end());

        try (RawClient client = post(Gateway.BEARER, REQUEST)) {
            assertThat(client.status).isEqualTo(502);
            assertThat(client.rest()).contains("context too long");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "no key|| 401|missing API key",
        "wrong key|Bearer ar-nope|401|invalid API key",
        "not bearer|Basic abc|401|missing API key",
    })
    void rejectsMissingOrWrongKeysBeforeAnythingReachesTheUpstream(String name, String authorization, int status,
            String message) throws Exception {
        try (RawClient client = post(authorization, REQUEST)) {
            assertThat(client.status).isEqualTo(status);
            assertThat(client.rest()).isEqualTo("{\"error\":{\"code\":401,\"message\":\"" + message
                    + (message.startsWith("missing") ? " (expected: Authorization: Bearer ar-…)" : "")
                    + "\",\"type\":\"authentication_error\"}}");
        }
        assertThat(upstream.idle()).isTrue();
    }

    @ParameterizedTest(name = "{2}")
    @CsvSource(delimiter = '|', value = {
        "{\"model\":|400|request body is not valid JSON",
        "{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"bot\",\"content\":\"x\"}]}|400|messages[0].role",
        "{\"model\":\"nope/x\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|404|unknown provider: 'nope'",
    })
    void rejectsBadRequestsWithAJsonError(String body, int status, String message) throws Exception {
        try (RawClient client = post(Gateway.BEARER, body)) {
            assertThat(client.status).isEqualTo(status);
            assertThat(client.rest()).startsWith("{\"error\":{\"code\":" + status + ",\"message\":").contains(message);
        }
        assertThat(upstream.idle()).isTrue();
    }

    @Test
    void rejectsABodyOverTheLimitWith413() throws Exception {
        String big = "{\"model\":\"openai/gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(4096)
                + "\"}]}";
        try (RawClient client = post(Gateway.BEARER, big)) {
            assertThat(client.status).isEqualTo(413);
            assertThat(client.rest()).contains("\"code\":413").contains("larger than 2048 bytes");
        }
    }

    /**
     * A request waiting for its upstream holds no relay thread, and so no place under ANYROUTER_RELAY_THREADS
     * (docs/decisions/held-response.md): with one place, a second request is admitted while the first still waits.
     */
    @Test
    void aRequestWaitingForItsUpstreamHoldsNoRelayPlace() throws Exception {
        upstream.script(x -> x.sseHead().awaitClosed(10_000));
        try (Gateway small = Gateway.against(upstream.baseUri(), "ANYROUTER_RELAY_THREADS", "1");
                RawClient waiting = RawClient.connect(small.uri())
                        .post("/api/v1/chat/completions", Gateway.BEARER, REQUEST);
                RawClient next = RawClient.connect(small.uri())
                        .post("/api/v1/chat/completions", Gateway.BEARER, REQUEST)) {
            assertThat(waiting.status).isEqualTo(200);
            assertThat(next.status).isEqualTo(200);
            assertThat(upstream.openExchanges()).isEqualTo(2);
        }
    }

    @Test
    void neverLosesARelayPlaceToOddPathsOrHeaders() throws Exception {
        upstream.script(x -> x.sseHead().data(role()).data(Chunks.finish("stop")).data("[DONE]").end());
        try (Gateway one = Gateway.against(upstream.baseUri(), "ANYROUTER_RELAY_THREADS", "1")) {
            for (String path : new String[] {"/api/v1/chat/completion%73", "/api/v1/chat/completions/",
                "/api/v1/chat/completions;x=1"}) {
                try (RawClient client = RawClient.connect(one.uri()).post(path, Gateway.BEARER, REQUEST)) {
                    assertThat(client.status).as(path).isEqualTo(404);
                    assertThat(client.rest()).as(path).startsWith("{\"error\":{\"code\":404");
                }
            }
            try (RawClient client = RawClient.connect(one.uri())
                    .post("/api/v1/chat/completions", Gateway.BEARER, REQUEST, "Content-Type: json")) {
                assertThat(client.status).isEqualTo(200);
                assertThat(client.rest()).endsWith("data: [DONE]\n\n");
            }
            // The place of a finished stream is given back just after its client saw the end: wait a moment for
            // it. A lost place would fail every request from here on.
            for (int i = 0; i < 3; i++) {
                await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
                    try (RawClient client = RawClient.connect(one.uri())
                            .post("/api/v1/chat/completions", Gateway.BEARER, REQUEST)) {
                        assertThat(client.status).isEqualTo(200);
                        client.rest();
                    }
                });
            }
        }
    }

    @Test
    void answersUnknownPathsAndMethodsWithJson() throws Exception {
        try (RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/nothing", Gateway.BEARER, "{}")) {
            assertThat(client.status).isEqualTo(404);
            assertThat(client.rest()).isEqualTo("{\"error\":{\"code\":404,\"message\":\"no such endpoint: POST "
                    + "/api/v1/nothing (the API's base URL is http://localhost/api/v1 or http://localhost/v1, e.g. POST "
                    + "http://localhost/api/v1/chat/completions, /messages or /responses)\",\"type\":\"not_found_error\"}}");
        }
        try (RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/models", Gateway.BEARER, "{}")) {
            assertThat(client.status).isEqualTo(405);
            assertThat(client.rest()).contains("\"code\":405");
        }
    }
}
