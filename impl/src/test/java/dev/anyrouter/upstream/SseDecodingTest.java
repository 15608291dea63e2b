package dev.anyrouter.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.anyrouter.config.GatewayConfig;
import dev.anyrouter.config.Settings;
import dev.anyrouter.config.UpstreamConfig;
import dev.anyrouter.routing.Route;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How the upstream client decodes server-sent events as real upstreams write them (docs/wire-format.md section 1). */
class SseDecodingTest {

    private HttpServer server;
    private UpstreamClient client;
    private volatile List<String> writes = List.of();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/chat/completions", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                for (String write : writes) {
                    out.write(write.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            }
        });
        server.start();
        client = new UpstreamClient(GatewayConfig.from(Settings.of(Map.<String, String>of()::get)));
    }

    @AfterEach
    void stop() {
        client.close();
        server.stop(0);
    }

    /** The data of every event with data, in order; comment-only events are skipped as the relay does. */
    private List<String> decode(String... upstreamWrites) throws Exception {
        writes = List.of(upstreamWrites);
        URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1");
        Route route = new Route(new UpstreamConfig("test", base, Optional.empty(), "openai"), "test/m", "m");
        List<String> data = new ArrayList<>();
        try (UpstreamCall call = client.open(route, "chat/completions", route.upstream().endpoints().get(0), base,
                "{}".getBytes(StandardCharsets.UTF_8), Map.of(), true, () -> { }, new Abort()).get(10, TimeUnit.SECONDS)) {
            while (!call.ended()) {
                SseEvent event = call.poll();
                if (event == null) {
                    CountDownLatch arrived = new CountDownLatch(1);
                    call.onReady(arrived::countDown);
                    assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
                } else {
                    data.add((event.name() == null ? "" : event.name() + ": ") + event.data());
                }
            }
        }
        return data;
    }

    @Test
    void readsOneEventPerDataLineAndTheDoneSentinel() throws Exception {
        assertThat(decode("data: {\"a\":1}\n\n", "data: {\"a\":2}\n\n", "data: [DONE]\n\n"))
                .containsExactly("{\"a\":1}", "{\"a\":2}", "[DONE]");
    }

    @Test
    void acceptsCrlfLineEnds() throws Exception {
        assertThat(decode("data: {\"a\":1}\r\n\r\n", "data: [DONE]\r\n\r\n")).containsExactly("{\"a\":1}", "[DONE]");
    }

    @Test
    void skipsCommentsInsteadOfTurningThemIntoData() throws Exception {
        assertThat(decode(": OPENROUTER PROCESSING\n\n", ": ping\n\n", "data: {\"a\":1}\n\n"))
                .containsExactly("{\"a\":1}");
    }

    @Test
    void joinsMultiLineDataWithNewlines() throws Exception {
        assertThat(decode("data: {\"a\":\ndata: 1}\n\n")).containsExactly("{\"a\":\n1}");
    }

    @Test
    void reassemblesAnEventSplitAcrossWrites() throws Exception {
        assertThat(decode("da", "ta: {\"a\"", ":1}\n", "\ndata: [DONE]\n\n")).containsExactly("{\"a\":1}", "[DONE]");
    }

    @Test
    void acceptsLoneCarriageReturnsAndCrlfSplitAcrossWrites() throws Exception {
        assertThat(decode("data: 1\r\r", "data: 2\r", "\n\r", "\n", "data: [DONE]\n\n"))
                .containsExactly("1", "2", "[DONE]");
    }

    @Test
    void dropsAnUnfinishedEventAtTheEnd() throws Exception {
        assertThat(decode("data: 1\n\n", "data: 2\n")).containsExactly("1");
    }

    @Test
    void keepsTheEventNameOfAnInBandError() throws Exception {
        assertThat(decode("event: error\ndata: {\"error\":{\"message\":\"overloaded\"}}\n\n"))
                .containsExactly("error: {\"error\":{\"message\":\"overloaded\"}}");
    }
}
