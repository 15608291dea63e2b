package dev.anyrouter.relay;

import dev.anyrouter.api.errors.GatewayException;
import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.config.TimeoutsConfig;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseBroadcaster;
import jakarta.ws.rs.sse.SseEventSink;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.glassfish.jersey.media.sse.OutboundEvent;
import org.junit.jupiter.api.Test;

/** The held 200 of a stream, driven by hand: which ticks commit it; and what the relay sees of a push. */
class SseSinkTest {

    private static final Duration GRACE = Duration.ofMillis(150);
    private static final Duration WATCHED = Duration.ofSeconds(5);
    /** A clock far from 0, as {@link System#nanoTime()} is. */
    private static final long T0 = 987_654_321_000L;

    private final List<OutboundSseEvent> sent = new CopyOnWriteArrayList<>();
    private long now = T0;

    @Test
    void aTickBeforeTheFirstTryCommitsNothing() {
        SseSink sink = watchedSink();

        now += GRACE.toNanos() * 10; // the relay thread has not begun its first try yet
        sink.tick(now);
        assertThat(sent).as("nothing is written before the first try").isEmpty();

        sink.trying(now);
        sink.tick(now + WATCHED.toNanos() - 1);
        assertThat(sent).as("the watched grace of the try").isEmpty();
        sink.tick(now + WATCHED.toNanos());
        assertThat(sent).as("a silent try commits the 200 with a keep-alive").hasSize(1);
        assertThat(sent.get(0).getComment()).isEqualTo("keep-alive");
    }

    @Test
    void aPauseBetweenTriesCommitsNothing() {
        SseSink sink = watchedSink();
        sink.trying(now);
        sink.pausing();

        sink.tick(now + WATCHED.toNanos() * 2);
        assertThat(sent).isEmpty();
    }

    @Test
    void theGraceAfterAPauseCountsFromTheNextTryNotThePreviousOne() {
        SseSink sink = watchedSink();
        sink.trying(now);
        sink.pausing();
        long later = now + WATCHED.toNanos() * 2; // the pause is over, the next try not begun yet

        sink.tick(later);
        assertThat(sent).as("still paused until the next try").isEmpty();
        sink.trying(later);
        sink.tick(later + WATCHED.toNanos() - 1);
        assertThat(sent).as("the next try's own grace").isEmpty();
    }

    @Test
    void aPushUnderWayOnAnotherThreadIsNotTakenForTheContainerStillWriting() throws Exception {
        CountDownLatch pushing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        SseSink sink = nonBlockingSink(() -> {
            pushing.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new InterruptedIOException();
            }
            return true; // the container took it all at once: no call back will come
        });
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<Boolean> keepAlive = threads.submit(sink::flush); // as the keep-alive's push does
            pushing.await();
            Future<Boolean> writable = threads.submit(sink::writable); // as the relay checks between events
            Boolean early = null;
            try {
                early = writable.get(200, TimeUnit.MILLISECONDS);
            } catch (TimeoutException waitsForThePush) {
                // right: it answers once the push has ended
            }
            release.countDown();
            assertThat(keepAlive.get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(early == null ? writable.get(5, TimeUnit.SECONDS) : early)
                    .as("a relay told 'not writable' waits for a call back that never comes").isTrue();
        } finally {
            release.countDown();
            threads.shutdownNow();
        }
    }

    /**
     * Tomcat, after a non-blocking write failed with the client's reset, answers "not ready" to the next push and
     * never calls back: the relay's end must not wait for that write (the stream stayed in progress for good).
     */
    @Test
    void afterAFailedWriteTheRelaysEndDoesNotWaitForAWriteThatNeverEnds() {
        List<String> pushes = new CopyOnWriteArrayList<>();
        SseSink sink = nonBlockingSink(() -> {
            pushes.add("push");
            if (pushes.size() == 1) {
                throw new IOException("Connection reset by peer");
            }
            return false; // "not ready", and no call back follows
        });
        sink.send(null, "2");
        assertThat(sink.flush()).as("the push that failed").isFalse();

        List<String> ended = new CopyOnWriteArrayList<>();
        sink.whenDrained(() -> ended.add("end"));
        assertThat(ended).as("the relay's end").containsExactly("end");
        assertThat(pushes).as("no push is tried once the client is gone").hasSize(1);
    }

    /** The container ends the request (the client left) while a write it took is still under way. */
    @Test
    void theRelaysEndWaitingForAWriteRunsOnceTheClientIsGone() {
        SseSink sink = nonBlockingSink(() -> false);
        sink.send(null, "2");
        List<String> ended = new CopyOnWriteArrayList<>();
        sink.whenDrained(() -> ended.add("end"));
        assertThat(ended).as("waits while the client is still taking the write").isEmpty();

        sink.gone(); // as the relay does when the container ends the request
        assertThat(ended).containsExactly("end");
        sink.gone();
        assertThat(ended).as("once").hasSize(1);
    }

    /** A committed, non-blocking sink whose pushes {@code push} answers; the relay's clientGone calls its gone. */
    private SseSink nonBlockingSink(Push push) {
        ClientOutput output = new ClientOutput();
        output.attach(new ClientOutput.Port() {
            @Override
            public boolean nonBlocking(Runnable writable, Runnable failed) {
                return true;
            }

            @Override
            public boolean push() throws IOException {
                return push.push();
            }

            @Override
            public void finish() {
            }
        });
        SseSink sink = new SseSink(new Recording(), new Events(), output, timeouts(), Runnable::run, () -> { });
        SseSink[] self = {sink};
        sink.attach(new ClientSink.Listener(() -> self[0].gone(), () -> false, () -> { }, () -> now));
        sink.trying(now);
        sink.send(null, "1");
        assertThat(sink.nonBlocking(() -> { })).isTrue();
        return sink;
    }

    private interface Push {
        boolean push() throws IOException;
    }

    private static TimeoutsConfig timeouts() {
        return new TimeoutsConfig(GRACE, WATCHED, Duration.ofMillis(300), Duration.ofSeconds(10),
                Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofMinutes(10));
    }

    private SseSink watchedSink() {
        SseSink sink = new SseSink(new Recording(), new Events(), null, timeouts(), Runnable::run, () -> { });
        sink.watched(WATCHED, () -> { });
        sink.attach(new ClientSink.Listener(() -> { }, () -> false, () -> { }, () -> now));
        return sink;
    }

    /** The held response, which records what is sent once it is committed. */
    private final class Recording implements SseEventSink, HeldResponse {
        @Override
        public SseEventSink commit() {
            return this;
        }

        @Override
        public void answer(String json) {
            throw new UnsupportedOperationException("a stream has no single answer");
        }

        @Override
        public void fail(GatewayException failure) {
            throw new UnsupportedOperationException("not a test of the status answer");
        }

        @Override
        public boolean isClosed() {
            return false;
        }

        @Override
        public CompletionStage<?> send(OutboundSseEvent event) {
            sent.add(event);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
        }
    }

    /** Jersey's own event builder. */
    private static final class Events implements Sse {
        @Override
        public OutboundSseEvent.Builder newEventBuilder() {
            return new OutboundEvent.Builder();
        }

        @Override
        public SseBroadcaster newBroadcaster() {
            throw new UnsupportedOperationException();
        }
    }
}
