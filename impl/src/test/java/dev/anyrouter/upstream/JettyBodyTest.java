package dev.anyrouter.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.client.transport.HttpResponse;
import org.eclipse.jetty.io.Content;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How the connector's response listener takes an upstream body from Jetty: only inside Jetty's demand callback,
 * only when the relay asks for more, and with the relay woken however the exchange ends.
 */
class JettyBodyTest {

    private final HttpClient client = new HttpClient();
    private final Request request = client.newRequest("http://127.0.0.1:9/v1/chat/completions");
    private final HttpResponse response = new HttpResponse(request);
    private final UpstreamBody upstream = new UpstreamBody(() -> { }, 1 << 20, 0);
    private final JettyBody body = new JettyBody(request, upstream, null);
    private final ScriptedSource source = new ScriptedSource();
    private final AtomicInteger wakes = new AtomicInteger();

    @AfterEach
    void releaseTheClient() throws Exception {
        client.stop();
    }

    @Test
    void theSourceIsReadOnlyInItsDemandCallbackAndOnlyWhenTheRelayAsks() throws Exception {
        body.onContentSource(response, source);
        source.chunks.add(chunk("data: 1\n\ndata: 2\n\n", false));

        assertThat(body.poll()).isNull();
        assertThat(source.demand).as("nothing is demanded before the relay asks").isNull();

        body.onReady(wakes::incrementAndGet);
        assertThat(wakes).hasValue(0);
        source.callBack();

        assertThat(wakes).hasValue(1);
        assertThat(body.poll()).isEqualTo(new SseEvent(null, "1"));
        assertThat(body.poll()).isEqualTo(new SseEvent(null, "2"));
        assertThat(body.poll()).isNull();
        assertThat(body.ended()).isFalse();

        body.onReady(wakes::incrementAndGet);
        source.chunks.add(chunk("data: [DONE]\n\n", true));
        source.callBack();

        assertThat(wakes).hasValue(2);
        assertThat(body.poll()).isEqualTo(new SseEvent(null, "[DONE]"));
        assertThat(body.ended()).isTrue();
        assertThat(source.readsOutsideCallback).as("reads from the relay's own threads").isZero();
        assertThat(upstream.failure()).isEmpty();
    }

    @Test
    void aWholeBodyIsGatheredAsItArrivesWithNoThreadWaiting() throws Exception {
        body.onContentSource(response, source);
        CompletableFuture<byte[]> whole = body.readAll(1 << 20);
        assertThat(whole).isNotDone();
        assertThat(source.demand).as("the read asks for the body").isNotNull();

        source.chunks.add(chunk("{\"id\":", false));
        source.callBack();
        assertThat(whole).as("half a body is not the body").isNotDone();

        source.chunks.add(chunk("\"x\"}", true));
        source.callBack();
        assertThat(whole).isCompleted();
        assertThat(new String(whole.get(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":\"x\"}");
        assertThat(source.readsOutsideCallback).isZero();
    }

    @Test
    void aBodyReadWholeStopsAtItsLimit() throws Exception {
        body.onContentSource(response, source);
        source.chunks.add(chunk("0123456789", false));
        CompletableFuture<byte[]> whole = body.readAll(4);
        source.callBack();

        assertThat(new String(whole.get(), StandardCharsets.UTF_8)).isEqualTo("0123");
    }

    @Test
    void aFailedExchangeWakesTheRelayEvenIfNoDemandCallbackComes() throws Exception {
        body.onContentSource(response, source);
        body.onReady(wakes::incrementAndGet);
        assertThat(source.demand).isNotNull();

        body.onComplete(new Result(request, null, response, new EOFException("reset by the upstream")));

        assertThat(wakes).hasValue(1);
        assertThat(body.poll()).isNull();
        assertThat(body.ended()).as("a broken connection ends the stream; the codec judges it").isTrue();
        assertThat(upstream.failure()).hasValueSatisfying(e -> assertThat(e).hasMessage("reset by the upstream"));
        assertThat(source.readsOutsideCallback).isZero();
    }

    @Test
    void aWakeAskedForBeforeTheBodyBeganIsDemandedWhenItBegins() throws Exception {
        body.onReady(wakes::incrementAndGet);
        body.onContentSource(response, source);
        source.chunks.add(chunk("data: 1\n\n", false));
        source.callBack();

        assertThat(wakes).hasValue(1);
        assertThat(body.poll()).isEqualTo(new SseEvent(null, "1"));
    }

    private static Content.Chunk chunk(String text, boolean last) {
        return Content.Chunk.from(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), last);
    }

    /** A content source whose demand calls back only when the test says, counting reads made outside that call. */
    private static final class ScriptedSource implements Content.Source {
        final ArrayDeque<Content.Chunk> chunks = new ArrayDeque<>();
        Runnable demand;
        boolean inCallback;
        int readsOutsideCallback;

        @Override
        public Content.Chunk read() {
            if (!inCallback) {
                readsOutsideCallback++;
            }
            return chunks.poll();
        }

        @Override
        public void demand(Runnable callback) {
            if (demand != null) {
                throw new IllegalStateException("a demand is pending already");
            }
            demand = callback;
        }

        @Override
        public void fail(Throwable failure) {
            chunks.add(Content.Chunk.from(failure, true));
        }

        void callBack() {
            Runnable callback = demand;
            assertThat(callback).as("a demand was made").isNotNull();
            demand = null;
            inCallback = true;
            try {
                callback.run();
            } finally {
                inCallback = false;
            }
        }
    }
}
