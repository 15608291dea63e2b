package dev.anyrouter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.config.GatewayConfig;
import dev.anyrouter.config.Settings;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded server answers HTTP/2 over cleartext next to HTTP/1.1, on the same port. */
class H2cTest {

    private static final String KEY = "ar-h2c-test-key-0123456789";

    @TempDir
    Path dataDir;

    private AnyRouterServer server;

    @BeforeEach
    void start() {
        Map<String, String> values = Map.of("ANYROUTER_API_KEYS", KEY, "ANYROUTER_DATA_DIR", dataDir.toString(),
                "ANYROUTER_SIM_FIRST_TOKEN_MS", "1", "ANYROUTER_SIM_CHUNK_DELAY_MS", "1");
        Settings settings = Settings.of(values::get);
        server = AnyRouterServer.create("127.0.0.1", 0, GatewayConfig.from(settings), settings);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void theSimulatedUpstreamStreamsOverH2cByPriorKnowledge() throws Exception {
        HttpClient h2c = new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client()));
        h2c.start();
        try {
            ContentResponse response = h2c.POST(server.uri().resolve("/simulator/v1/chat/completions"))
                    .headers(headers -> headers.put(HttpHeader.AUTHORIZATION, "Bearer " + KEY))
                    .body(new StringRequestContent("application/json", "{\"model\":\"m\",\"stream\":true,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                    .timeout(10, TimeUnit.SECONDS).send();

            assertThat(response.getVersion()).isEqualTo(HttpVersion.HTTP_2);
            assertThat(response.getStatus()).isEqualTo(200);
            assertThat(response.getMediaType()).isEqualTo("text/event-stream");
            assertThat(response.getContentAsString()).contains("\"finish_reason\":\"stop\"")
                    .endsWith("data: [DONE]\n\n");
        } finally {
            h2c.stop();
        }
    }

    @Test
    void aClientAskingToUpgradeGetsHttp2AndAPlainOneHttp11() throws Exception {
        URI health = server.uri().resolve("/health");
        // Java 17's client has no close(): its threads end with it
        java.net.http.HttpClient upgrading = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_2).build();
        java.net.http.HttpClient plain = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> upgraded = upgrading.send(HttpRequest.newBuilder(health).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> http11 = plain.send(HttpRequest.newBuilder(health).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(upgraded.statusCode()).isEqualTo(200);
        assertThat(upgraded.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_2);
        assertThat(http11.statusCode()).isEqualTo(200);
        assertThat(http11.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_1_1);
    }
}
