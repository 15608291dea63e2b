package dev.anyrouter.it;

import static dev.anyrouter.it.Chunks.REQUEST;
import static dev.anyrouter.it.Chunks.content;
import static dev.anyrouter.it.Chunks.finish;
import static dev.anyrouter.it.Chunks.relayed;
import static dev.anyrouter.it.Chunks.role;
import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.GenerationRecord;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The relay against a scripted upstream: exact bytes, decoding, keep-alive and cancellation timing. */
class StreamingRelayIT {

    private ScriptedUpstream upstream;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        upstream = new ScriptedUpstream();
        gateway = Gateway.against(upstream.baseUri());
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
        upstream.close();
    }

    private RawClient stream(String body) throws Exception {
        return RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", Gateway.BEARER, body);
    }

    @Test
    void relaysEveryEventWithExactBytesAndStreamHeaders() throws Exception {
        upstream.script(x -> x.sseHead().data(role()).data(content("Hel")).data(content("lo")).data(finish("stop"))
                .data("[DONE]").end());

        try (RawClient client = stream(REQUEST)) {
            String id = client.headers.get("x-generation-id");
            assertThat(client.status).isEqualTo(200);
            assertThat(client.headers).containsEntry("content-type", "text/event-stream")
                    .containsEntry("cache-control", "no-cache").containsEntry("x-accel-buffering", "no");
            assertThat(id).matches("gen-[0-9a-f]{32}");
            assertThat(Chunks.withoutComments(client.rest())).isEqualTo(relayed(role(), id)
                    + relayed(content("Hel"), id) + relayed(content("lo"), id) + relayed(finish("stop"), id)
                    + "data: [DONE]\n\n");

            GenerationRecord record = gateway.generation(id);
            assertThat(record.outcome()).isEqualTo(Generation.Outcome.COMPLETED);
            assertThat(record.chunks()).isEqualTo(4);
            assertThat(record.completionText()).isEqualTo("Hello");
            assertThat(record.finishReason()).isEqualTo("stop");
        }
    }

    @Test
    void forwardsTheRequestWithTheProviderKeyAndNeverTheClientKey() throws Exception {
        upstream.script(x -> x.sseHead().data(role()).data(finish("stop")).data("[DONE]").end());

        try (RawClient client = stream("{\"model\":\"openai/gpt-4o\",\"stream\":true,\"logit_bias\":{\"50256\":-100},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"custom\":[1,{\"a\":null}]}")) {
            client.rest();
        }
        ScriptedUpstream.Exchange exchange = upstream.next();
        assertThat(exchange.requestLine).isEqualTo("POST /v1/chat/completions HTTP/1.1");
        assertThat(exchange.headers).containsEntry("authorization", "Bearer " + Gateway.UPSTREAM_KEY);
        assertThat(exchange.headers.toString()).doesNotContain(Gateway.KEY);
        assertThat(exchange.body).as("the client's body, the upstream's model name, and a request for usage")
                .isEqualTo("{\"model\":\"gpt-4o\",\"stream\":true,\"logit_bias\":{\"50256\":-100},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"custom\":[1,{\"a\":null}],"
                + "\"stream_options\":{\"include_usage\":true}}");
    }

    @Test
    void decodesCrlfCommentsMultiLineDataAndEventsSplitAcrossReads() throws Exception {
        String first = role();
        int split = first.indexOf("\"created\""); // between two JSON members: the joined lines stay valid JSON
        upstream.script(x -> x.sseHead()
                .chunk(": OPENROUTER PROCESSING\r\n\r\n")
                .chunk("data: " + first.substring(0, split) + "\r\ndata: " + first.substring(split) + "\r\n\r\n")
                .chunk("data: " + content("A").substring(0, 25)).pause(20)
                .chunk(content("A").substring(25) + "\r\n\r\n")
                .chunk("event: message\ndata: " + finish("stop") + "\n\n")
                .chunk("data: [DONE]\r\n\r\n").end());

        try (RawClient client = stream(REQUEST)) {
            String id = client.headers.get("x-generation-id");
            assertThat(client.nextData()).as("multi-line data is relayed as multi-line data")
                    .isEqualTo("data: " + first.substring(0, split).replace("chatcmpl-up", id) + "\ndata: "
                            + first.substring(split) + "\n\n");
            assertThat(client.nextData()).isEqualTo(relayed(content("A"), id));
            assertThat(client.nextData()).isEqualTo(relayed(finish("stop"), id));
            assertThat(client.nextData()).isEqualTo("data: [DONE]\n\n");
            assertThat(client.nextData()).isNull();
        }
    }

    @ParameterizedTest(name = "client hangs up with {0}")
    @ValueSource(strings = {"FIN", "RST"})
    void abortsTheUpstreamWithin100msWhenTheClientDisconnectsMidStream(String how) throws Exception {
        upstream.script(x -> x.streamUntilClosed(10_000, 10, i -> content("t" + i)));

        RawClient client = stream(REQUEST);
        String id = client.headers.get("x-generation-id");
        for (int i = 0; i < 5; i++) {
            assertThat(client.nextData()).contains("\"content\":\"t" + i + "\"");
        }
        ScriptedUpstream.Exchange exchange = upstream.next();
        long disconnected = System.nanoTime();
        if (how.equals("RST")) {
            client.reset();
        } else {
            client.close();
        }

        long seen = exchange.awaitClosed(2_000);
        assertThat(TimeUnit.NANOSECONDS.toMillis(seen - disconnected)).as("ms until the upstream saw the close")
                .isLessThan(100);
        GenerationRecord record = gateway.generation(id);
        assertThat(record.cancelled()).isTrue();
        assertThat(record.chunks()).isGreaterThanOrEqualTo(5);
        assertThat(record.completionText()).startsWith("t0t1t2t3t4");
    }

    @ParameterizedTest(name = "upstream silent {0}")
    @ValueSource(strings = {"before its headers", "after its headers"})
    void abortsASilentUpstreamWithin1sOfTheClientLeaving(String when) throws Exception {
        upstream.script(x -> {
            if (when.startsWith("after")) {
                x.sseHead();
            }
            x.awaitClosed(30_000);
        });

        RawClient client = stream(REQUEST);
        assertThat(client.status).as("the 200 is committed after the grace period").isEqualTo(200);
        String id = client.headers.get("x-generation-id");
        ScriptedUpstream.Exchange exchange = upstream.next();
        long disconnected = System.nanoTime();
        client.close();

        long seen = exchange.awaitClosed(3_000);
        assertThat(TimeUnit.NANOSECONDS.toMillis(seen - disconnected)).as("ms until the upstream saw the close")
                .isLessThan(1_000);
        assertThat(gateway.generation(id).cancelled()).isTrue();
        assertThat(gateway.generation(id).chunks()).isZero();
    }

    @Test
    void sendsKeepAliveCommentsWhileTheUpstreamIsSilent() throws Exception {
        upstream.script(x -> x.sseHead().pause(900).data(role()).data(finish("stop")).data("[DONE]").end());

        try (RawClient client = stream(REQUEST)) {
            int comments = 0;
            String event;
            while ((event = client.nextEvent()).startsWith(":")) {
                assertThat(event).isEqualTo(": keep-alive\n\n");
                comments++;
            }
            assertThat(comments).isGreaterThanOrEqualTo(3);
            assertThat(event).contains("\"role\":\"assistant\"");
            assertThat(Chunks.withoutComments(client.rest())).endsWith("data: [DONE]\n\n");
        }
    }

    @Test
    void appendsDoneWhenTheUpstreamClosesAfterItsFinishChunk() throws Exception {
        upstream.script(x -> x.sseHead().data(role()).data(finish("length")).end());

        try (RawClient client = stream(REQUEST)) {
            assertThat(Chunks.withoutComments(client.rest())).endsWith("\"finish_reason\":\"length\"}]}\n\n"
                    + "data: [DONE]\n\n");
        }
    }

    /**
     * A burst of events is written with one flush, but never held while the upstream is silent: every event of
     * the burst, even one followed only by a comment, reaches the client before the upstream speaks again.
     */
    @ParameterizedTest(name = "burst ending with {0}")
    @ValueSource(strings = {"an event", "a comment"})
    void flushesABurstBeforeWaitingForTheUpstream(String ending) throws Exception {
        StringBuilder burst = new StringBuilder("data: " + role() + "\n\n");
        for (int i = 0; i < 40; i++) {
            burst.append("data: ").append(content("b" + i)).append("\n\n");
        }
        if (ending.equals("a comment")) {
            burst.append(": upstream keep-alive\n\n");
        }
        upstream.script(x -> x.sseHead().chunk(burst.toString()).pause(1_500).data(finish("stop")).data("[DONE]")
                .end());

        try (RawClient client = stream(REQUEST)) {
            long start = System.nanoTime();
            assertThat(client.nextData()).contains("\"role\":\"assistant\"");
            for (int i = 0; i < 40; i++) {
                assertThat(client.nextData()).contains("\"content\":\"b" + i + "\"");
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                    .as("ms until the whole burst arrived; the upstream is silent for 1,500 ms after it")
                    .isLessThan(1_000);
            assertThat(Chunks.withoutComments(client.rest())).endsWith("data: [DONE]\n\n");
        }
    }
}
