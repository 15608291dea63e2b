package dev.anyrouter.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ServiceLoader;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Origin;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.ssl.ALPNProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which protocol each upstream request goes with, and how many streams an opening connection is counted on for. */
class UpstreamTransportTest {

    private final HttpClientTransportDynamic transport = UpstreamTransport.create(Duration.ofSeconds(1));
    private final HttpClient http = new HttpClient(transport);

    @BeforeEach
    void start() throws Exception {
        http.start(); // gives the transport its client
    }

    @AfterEach
    void stop() throws Exception {
        http.stop();
    }

    @Test
    void overTlsAlpnOffersHttp2AndHttp11() {
        Origin origin = transport.newOrigin(http.newRequest("https://api.example.com/v1/chat/completions"));

        assertThat(origin.getProtocol().isNegotiate()).isTrue();
        assertThat(origin.getProtocol().getProtocols()).containsExactlyInAnyOrder("h2", "http/1.1");
        assertThat(UpstreamTransport.streamsWhileOpening(origin)).as("HTTP/1.1 until ALPN says otherwise").isEqualTo(1);
        assertThat(ServiceLoader.load(ALPNProcessor.Client.class).findFirst()).as("the JDK's ALPN, for Jetty")
                .isPresent();
    }

    @Test
    void overCleartextHttp11UnlessTheRequestIsMarkedHttp2() {
        Origin plain = transport.newOrigin(http.newRequest("http://gpu:8000/v1/chat/completions"));
        Origin h2c = transport.newOrigin(http.newRequest("http://gpu:8000/v1/chat/completions")
                .version(HttpVersion.HTTP_2));

        assertThat(plain.getProtocol().getProtocols()).containsExactly("http/1.1");
        assertThat(UpstreamTransport.streamsWhileOpening(plain)).isEqualTo(1);
        assertThat(h2c.getProtocol().isNegotiate()).isFalse();
        assertThat(h2c.getProtocol().getProtocols()).contains("h2c");
        assertThat(UpstreamTransport.streamsWhileOpening(h2c)).isEqualTo(UpstreamTransport.H2C_STREAMS_WHILE_OPENING);
    }
}
