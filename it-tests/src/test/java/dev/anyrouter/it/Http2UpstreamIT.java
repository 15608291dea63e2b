package dev.anyrouter.it;

import static dev.anyrouter.it.Chunks.REQUEST;
import static dev.anyrouter.it.Chunks.content;
import static dev.anyrouter.it.Chunks.finish;
import static dev.anyrouter.it.Chunks.relayed;
import static dev.anyrouter.it.Chunks.role;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anyrouter.accounting.Generation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A provider set to h2c ({@code OPENAI_H2C=true}): its streams go over HTTP/2 by prior knowledge, share one
 * connection, and a client that leaves resets its own stream only (docs/decisions/upstream-http2.md).
 */
class Http2UpstreamIT {

    private H2cUpstream upstream;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        upstream = new H2cUpstream();
        gateway = Gateway.against(upstream.baseUri(), "OPENAI_H2C", "true");
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    private RawClient stream() throws Exception {
        return stream(REQUEST);
    }

    private RawClient stream(String body) throws Exception {
        return RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER, body);
    }

    /** A request whose prompt tells its exchange apart at the upstream (exchanges need not arrive in order). */
    private static String saying(String prompt) {
        return REQUEST.replace("\"hi\"", "\"" + prompt + "\"");
    }

    @Test
    void relaysAnH2cProvidersStreamOverHttp2() throws Exception {
        upstream.script(x -> x.data(role()).data(content("Hel")).data(content("lo")).data(finish("stop"))
                .data("[DONE]"));

        try (RawClient client = stream()) {
            String id = client.headers.get("x-generation-id");
            assertThat(client.status).isEqualTo(200);
            assertThat(Chunks.withoutComments(client.rest())).isEqualTo(relayed(role(), id)
                    + relayed(content("Hel"), id) + relayed(content("lo"), id) + relayed(finish("stop"), id)
                    + "data: [DONE]\n\n");
            assertThat(gateway.generation(id).outcome()).isEqualTo(Generation.Outcome.COMPLETED);
            assertThat(gateway.generation(id).completionText()).isEqualTo("Hello");
        }
        H2cUpstream.Exchange exchange = upstream.next();
        assertThat(exchange.protocol).isEqualTo("HTTP/2.0");
        assertThat(exchange.body).contains("\"model\":\"gpt-4o\"");
    }

    @Test
    void manyConcurrentStreamsShareOneConnection() throws Exception {
        int streams = 200;
        CountDownLatch allOpen = new CountDownLatch(streams);
        upstream.script(x -> {
            x.data(role());
            allOpen.countDown();
            // every stream stays open until all of them are: they run at once
            if (!allOpen.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not all streams arrived");
            }
            x.data(content("ok")).data(finish("stop")).data("[DONE]");
        });

        ExecutorService clients = Executors.newFixedThreadPool(streams);
        try {
            List<Future<String>> bodies = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                bodies.add(clients.submit(() -> {
                    try (RawClient client = stream()) {
                        return client.status + " " + client.rest();
                    }
                }));
            }
            for (Future<String> body : bodies) {
                assertThat(body.get(60, TimeUnit.SECONDS)).startsWith("200 ").endsWith("data: [DONE]\n\n");
            }
        } finally {
            clients.shutdownNow();
        }
        Set<Object> connections = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < streams; i++) {
            H2cUpstream.Exchange exchange = upstream.next();
            assertThat(exchange.protocol).isEqualTo("HTTP/2.0");
            connections.add(exchange.connection);
        }
        // More than 100 streams opened at once before the first connection was ready may open a second one or
        // two (UpstreamTransport counts 100 streams per opening connection): never one per stream, as HTTP/1.1 would.
        assertThat(upstream.connectionsOpened()).as("connections for %d concurrent streams", streams)
                .isLessThanOrEqualTo(3);
        assertThat(connections).hasSizeLessThanOrEqualTo(3);
    }

    @Test
    void aClientThatLeavesResetsItsStreamAndTheConnectionCarriesOn() throws Exception {
        upstream.script(x -> x.streamUntilReset(10_000, 10, i -> content("t" + i)));
        RawClient leaving = stream(saying("leaving"));
        String id = leaving.headers.get("x-generation-id");
        RawClient staying = stream(saying("staying"));
        for (int i = 0; i < 5; i++) {
            assertThat(leaving.nextData()).contains("\"content\":\"t" + i + "\"");
            assertThat(staying.nextData()).contains("\"content\":\"t" + i + "\"");
        }
        H2cUpstream.Exchange first = upstream.next();
        H2cUpstream.Exchange second = upstream.next();
        boolean inOrder = first.body.contains("leaving");
        H2cUpstream.Exchange left = inOrder ? first : second;
        H2cUpstream.Exchange stays = inOrder ? second : first;
        assertThat(stays.connection).as("both streams on one connection").isSameAs(left.connection);

        long disconnected = System.nanoTime();
        leaving.reset();

        long seen = left.awaitReset(2_000);
        assertThat(TimeUnit.NANOSECONDS.toMillis(seen - disconnected)).as("ms until the upstream saw the reset")
                .isLessThan(100);
        assertThat(gateway.generation(id).cancelled()).isTrue();
        assertThatThrownBy(() -> stays.awaitReset(50)).as("the other stream is not reset")
                .isInstanceOf(TimeoutException.class);
        for (int i = 0; i < 5; i++) {
            assertThat(staying.nextData()).as("the other stream on the connection flows on").contains("\"content\"");
        }
        staying.close();
        stays.awaitReset(2_000);

        upstream.script(x -> x.data(role()).data(finish("stop")).data("[DONE]"));
        try (RawClient next = stream()) {
            assertThat(next.rest()).endsWith("data: [DONE]\n\n");
        }
        assertThat(upstream.next().connection).as("the next stream goes over the same connection")
                .isSameAs(left.connection);
        assertThat(upstream.connectionsOpened()).isEqualTo(1);
    }
}
