package dev.anyrouter.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.config.GatewayConfig;
import dev.anyrouter.config.Price;
import dev.anyrouter.config.Settings;
import dev.anyrouter.json.Json;
import dev.anyrouter.routing.Route;
import dev.anyrouter.routing.Router;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The relay against a scripted upstream ({@link FakeUpstream}) and a recording client sink ({@link RecordingSink}),
 * on a clock and timer driven by hand ({@link ManualTicker}): every stop reason in every phase, without sleeping.
 * The relay's steps run on its own thread, as in the gateway; the test plays the client, the upstream and the timer.
 * A relay's "answer" here is the status answer its sink was given as it ended, or {@code null}.
 */
class RelayTest {

    private static final GatewayConfig CONFIG = GatewayConfig.from(Settings.of(Map.of(
            "ANYROUTER_API_KEYS", "ar-test-key-0123456789", "OPENAI_BASE_URL", "http://upstream.test/v1",
            "OPENAI_API_KEY", "sk-test", "ANYROUTER_RETRIES", "1", "ANYROUTER_IDLE_TIMEOUT_MS", "10000",
            "ANYROUTER_TOTAL_TIMEOUT_MS", "20000")::get));
    private static final Duration IDLE = Duration.ofSeconds(10);
    private static final Duration TOTAL = Duration.ofSeconds(20);

    private final Router router = Router.from(CONFIG);
    private final Route route = router.route("openai/gpt-4o");
    private final ManualTicker ticker = new ManualTicker();
    private final FakeUpstream upstream = new FakeUpstream();
    private final CompletableFuture<Generation.Outcome> billed = new CompletableFuture<>();
    private final ExecutorService relayThread = Executors.newSingleThreadExecutor();
    private final AtomicInteger rows = new AtomicInteger();
    private String billedError;
    private RecordingSink sink;
    private Relay relay;

    @AfterEach
    void stopTheRelayThread() {
        relayThread.shutdownNow();
    }

    /** Starts a relay on its thread; the future holds the status answer it threw, or {@code null}. */
    private Future<GatewayException> start(boolean streaming) {
        sink = new RecordingSink(streaming);
        Generation generation = new Generation("gen-1", "key-1", route, streaming, Price.parse("0:0", "test"),
                ClientApi.CHAT_COMPLETIONS, Json.read("{}"));
        RelayContext.Books books = new RelayContext.Books() {
            @Override
            public RelayContext.Row begin(Generation g) {
                return new RelayContext.Row() {
                    @Override
                    public void record() {
                        rows.incrementAndGet();
                    }

                    @Override
                    public void awaitRecorded(Duration max) {
                    }
                };
            }

            @Override
            public void finish(Generation g, Generation.Outcome outcome, String error) {
                billedError = error;
                billed.complete(outcome);
            }
        };
        RelayContext context = new RelayContext(CONFIG.timeouts(), CONFIG.retry(), router::endpoints,
                localBase -> upstream, ticker, books, new RunningRelays(), relayThread);
        relay = new Relay(context, URI.create("http://localhost/"), List.of(new Target(route, "chat/completions",
                new byte[0], Map.of(), new EchoCodec(), Price.parse("0:0", "test"))), sink, generation);
        relayThread.execute(relay::run);
        return sink.answered();
    }

    private static GatewayException answer(Future<GatewayException> run) throws Exception {
        return run.get(10, TimeUnit.SECONDS);
    }

    private Generation.Outcome outcome() throws Exception {
        return billed.get(10, TimeUnit.SECONDS);
    }

    @Test
    void relaysAStreamToItsEndAndLetsItsConnectionBeReused() throws Exception {
        Future<GatewayException> run = start(true);
        FakeUpstream.FakeStream stream = upstream.nextTry().answer(200);
        stream.events("a", "b", "[DONE]");

        assertThat(answer(run)).isNull();
        assertThat(sink.events()).containsExactly("a", "b", "[DONE]");
        assertThat(outcome()).isEqualTo(Generation.Outcome.COMPLETED);
        assertThat(stream.finished()).isTrue();
        assertThat(sink.closed()).isTrue();
    }

    @Test
    void theLedgerRowIsAskedForOnceTheRequestReachedTheUpstreamNotOnceItAnswered() throws Exception {
        Future<GatewayException> run = start(true);
        FakeUpstream.Try first = upstream.nextTry();
        assertThat(rows).hasValue(0);
        first.sent(); // the row is written while the upstream works on its answer
        assertThat(rows).hasValue(1);
        FakeUpstream.FakeStream stream = first.answer(200);
        stream.events("a", "[DONE]");

        assertThat(answer(run)).isNull();
        assertThat(rows).as("no other row for the client's first byte to wait for").hasValue(1);
    }

    @Test
    void aClientThatLeavesBeforeTheHeadersAbortsTheExchange() throws Exception {
        Future<GatewayException> run = start(true);
        FakeUpstream.Try first = upstream.nextTry();

        relay.clientGone();

        assertThat(answer(run)).isNull();
        assertThat(first.abort().aborted()).isTrue();
        assertThat(outcome()).isEqualTo(Generation.Outcome.CANCELLED);
        assertThat(billedError).isNull();
        assertThat(sink.events()).isEmpty();
        assertThat(upstream.tries()).isEqualTo(1);
    }

    @Test
    void aClientThatLeavesDuringARetryPauseEndsItWithoutAnotherTry() throws Exception {
        Future<GatewayException> run = start(true);
        upstream.nextTry().refuse(503, "2"); // Retry-After: 2 s, so the backoff is a real pause
        await().atMost(Duration.ofSeconds(10)).until(() -> ticker.pending(Duration.ofSeconds(2)));
        assertThat(sink.paused()).isTrue();

        relay.clientGone();

        assertThat(answer(run)).isNull();
        assertThat(outcome()).isEqualTo(Generation.Outcome.CANCELLED);
        assertThat(upstream.tries()).isEqualTo(1);
        assertThat(ticker.pending(Duration.ofSeconds(2))).as("the pause's timer task is cancelled").isFalse();
    }

    @Test
    void aRetryFollowsItsPauseOnTheTimer() throws Exception {
        Future<GatewayException> run = start(true);
        upstream.nextTry().refuse(503, "2");
        await().atMost(Duration.ofSeconds(10)).until(() -> ticker.pending(Duration.ofSeconds(2)));

        ticker.advance(Duration.ofSeconds(2));
        upstream.nextTry().answer(200).events("[DONE]");

        assertThat(answer(run)).isNull();
        assertThat(outcome()).isEqualTo(Generation.Outcome.COMPLETED);
        assertThat(upstream.tries()).isEqualTo(2);
    }

    @Test
    void aClientThatLeavesMidStreamAbortsTheUpstreamRead() throws Exception {
        Future<GatewayException> run = start(true);
        FakeUpstream.FakeStream stream = upstream.nextTry().answer(200);
        stream.events("a");
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.events().contains("a"));

        relay.clientGone();

        assertThat(answer(run)).isNull();
        assertThat(stream.closed()).isTrue();
        assertThat(stream.finished()).isFalse();
        assertThat(outcome()).isEqualTo(Generation.Outcome.CANCELLED);
        assertThat(sink.inBand()).isNull();
    }

    @Test
    void aFailedWriteCancelsTheStream() throws Exception {
        Future<GatewayException> run = start(true);
        sink.failWrites();
        FakeUpstream.FakeStream stream = upstream.nextTry().answer(200);
        stream.events("a", "b");

        assertThat(answer(run)).isNull();
        assertThat(stream.closed()).isTrue();
        assertThat(outcome()).isEqualTo(Generation.Outcome.CANCELLED);
    }

    @Test
    void anUpstreamSilentPastTheIdleTimeoutEndsTheStreamInBand() throws Exception {
        Future<GatewayException> run = start(true);
        FakeUpstream.FakeStream stream = upstream.nextTry().answer(200);
        stream.events("a");
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.events().contains("a"));

        ticker.advance(IDLE.plusMillis(200));

        assertThat(answer(run)).isNull();
        assertThat(sink.inBand().status()).isEqualTo(504);
        assertThat(sink.inBand().getMessage()).isEqualTo("upstream 'openai' sent nothing for 10000 ms");
        assertThat(stream.closed()).isTrue();
        assertThat(outcome()).isEqualTo(Generation.Outcome.FAILED);
        assertThat(billedError).isEqualTo(sink.inBand().getMessage());
    }

    @Test
    void aHeldStreamPastTheIdleTimeoutGetsTheTimeoutAsItsStatus() throws Exception {
        Future<GatewayException> run = start(true);
        upstream.nextTry().answer(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> ticker.pending(TOTAL));

        ticker.advance(IDLE.plusMillis(200));

        assertThat(answer(run).status()).isEqualTo(504);
        assertThat(sink.events()).isEmpty();
        assertThat(outcome()).isEqualTo(Generation.Outcome.FAILED);
    }

    @Test
    void anAnswerPastTheTotalTimeoutIsA504() throws Exception {
        Future<GatewayException> run = start(false);
        FakeUpstream.FakeStream answer = upstream.nextTry().answer(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> ticker.pending(TOTAL));

        ticker.advance(TOTAL);

        GatewayException timeout = answer(run);
        assertThat(timeout.status()).isEqualTo(504);
        assertThat(timeout.getMessage()).isEqualTo("upstream 'openai' did not finish within 20000 ms");
        assertThat(answer.closed()).isTrue();
        assertThat(outcome()).isEqualTo(Generation.Outcome.FAILED);
    }

    @Test
    void theTotalTimeoutDoesNotCutAStreamShortBeforeItsDeadline() throws Exception {
        Future<GatewayException> run = start(true);
        FakeUpstream.FakeStream stream = upstream.nextTry().answer(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> ticker.pending(TOTAL));
        for (int i = 0; i < 3; i++) { // 3 × 6 s: never idle 10 s, 18 s in all
            stream.events("e" + i);
            int delivered = i + 1;
            await().atMost(Duration.ofSeconds(10)).until(() -> sink.events().size() == delivered);
            ticker.advance(Duration.ofSeconds(6));
        }
        assertThat(run.isDone()).isFalse();

        ticker.advance(Duration.ofSeconds(2));

        assertThat(answer(run)).isNull();
        assertThat(sink.inBand().getMessage()).isEqualTo("upstream 'openai' did not finish within 20000 ms");
    }

    @Test
    void aShutdownBeforeTheHeadersAnswers503() throws Exception {
        Future<GatewayException> run = start(true);
        FakeUpstream.Try first = upstream.nextTry();

        relay.shutDown();

        GatewayException answer = answer(run);
        assertThat(answer.status()).isEqualTo(503);
        assertThat(answer.retryAfter()).contains("1");
        assertThat(first.abort().aborted()).isTrue();
        assertThat(outcome()).isEqualTo(Generation.Outcome.FAILED);
    }

    @Test
    void aShutdownDuringARetryPauseAnswers503() throws Exception {
        Future<GatewayException> run = start(false);
        upstream.nextTry().refuse(503, "2");
        await().atMost(Duration.ofSeconds(10)).until(() -> ticker.pending(Duration.ofSeconds(2)));

        relay.shutDown();

        assertThat(answer(run).status()).isEqualTo(503);
        assertThat(upstream.tries()).isEqualTo(1);
    }

    @Test
    void aShutdownMidStreamEndsItInBand() throws Exception {
        Future<GatewayException> run = start(true);
        FakeUpstream.FakeStream stream = upstream.nextTry().answer(200);
        stream.events("a");
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.events().contains("a"));

        relay.shutDown();

        assertThat(answer(run)).isNull();
        assertThat(sink.inBand().status()).isEqualTo(503);
        assertThat(stream.closed()).isTrue();
        assertThat(outcome()).isEqualTo(Generation.Outcome.FAILED);
    }

    @Test
    void nothingIsRetriedOnceBytesReachedTheClient() throws Exception {
        Future<GatewayException> run = start(true);
        FakeUpstream.FakeStream stream = upstream.nextTry().answer(200);
        stream.events("a");
        stream.fail(GatewayException.upstream(502, ErrorTypes.UPSTREAM,
                "upstream 'openai' connection failed mid-stream", Optional.empty(), null, true));

        assertThat(answer(run)).isNull();
        assertThat(sink.events()).containsExactly("a");
        assertThat(sink.inBand().status()).isEqualTo(502);
        assertThat(upstream.tries()).isEqualTo(1);
    }

    @Test
    void aNonStreamedAnswerThatArrivedIsReadAndBilledWhenTheClientLeaves() throws Exception {
        Future<GatewayException> run = start(false);
        FakeUpstream.FakeStream answer = upstream.nextTry().answer(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> ticker.pending(TOTAL)); // the relay has the answer

        relay.clientGone();
        assertThat(answer.closed()).as("the answer is already made").isFalse();
        answer.text("{\"id\":\"x\"}");

        assertThat(answer(run).status()).isEqualTo(499);
        assertThat(outcome()).isEqualTo(Generation.Outcome.CANCELLED);
    }

    @Test
    void aNonStreamedAnswerReachesItsSink() throws Exception {
        Future<GatewayException> run = start(false);
        upstream.nextTry().answer(200).text("{\"id\":\"x\"}");

        assertThat(answer(run)).isNull();
        assertThat(sink.answer()).isEqualTo("{\"id\":\"x\"}");
        assertThat(outcome()).isEqualTo(Generation.Outcome.COMPLETED);
    }
}
