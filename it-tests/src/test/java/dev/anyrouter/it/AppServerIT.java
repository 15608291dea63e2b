package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The built WAR in real server distributions: deploys, streams, cancels, and undeploys without leaving threads. */
class AppServerIT {

    private static final String COUNT = "{\"model\":\"openai/gpt-4-turbo\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Count to 5\"}]}";

    @ParameterizedTest
    @EnumSource(ServerProcess.Distribution.class)
    void deploysStreamsAndUndeploysCleanly(ServerProcess.Distribution distribution, @TempDir Path work)
            throws Exception {
        ServerProcess server = ServerProcess.start(distribution, work, Map.of(
                "ANYROUTER_API_KEYS", Gateway.KEY, "ANYROUTER_OFFLINE", "true",
                "ANYROUTER_SIM_FIRST_TOKEN_MS", "5", "ANYROUTER_SIM_CHUNK_DELAY_MS", "5",
                "ANYROUTER_DATA_DIR", work.resolve("data").toString()));
        try {
            Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                try (RawClient health = RawClient.connect(server.base)) {
                    return health.get("/anyrouter/health").status == 200;
                }
            });
            try (RawClient client = RawClient.connect(server.base)
                    .post("/anyrouter/api/v1/chat/completions", Gateway.BEARER, COUNT)) {
                assertThat(client.status).isEqualTo(200);
                assertThat(client.headers).containsEntry("x-accel-buffering", "no");
                String body = Chunks.withoutComments(client.rest());
                assertThat(body).contains("\"content\":\"1\"").contains("\"content\":\", 5\"")
                        .contains("\"finish_reason\":\"stop\"").endsWith("data: [DONE]\n\n");
            }
            try (RawClient client = RawClient.connect(server.base).post("/anyrouter/api/v1/chat/completions",
                    Gateway.BEARER, COUNT.replace("Count to 5", "Count to 100000"))) {
                assertThat(client.nextData()).contains("\"role\":\"assistant\"");
                client.reset();
            }
            try (RawClient client = RawClient.connect(server.base)
                    .post("/anyrouter/api/v1/chat/completions", "Bearer ar-wrong", COUNT)) {
                assertThat(client.status).isEqualTo(401);
                assertThat(client.rest()).contains("\"type\":\"authentication_error\"");
            }
        } finally {
            server.close();
        }
        assertThat(server.log()).as("the server log after undeploy")
                .doesNotContain("failed to stop").doesNotContain("memory leak").doesNotContain("SEVERE")
                .doesNotContain("Exception");
    }
}
