package dev.anyrouter.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.config.Settings;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseBroadcaster;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.glassfish.jersey.media.sse.OutboundEvent;
import org.junit.jupiter.api.Test;

/** The simulator's streams at a stop: none is left with its response open. */
class SimulatorTest {

    /** A stream waiting on the timer for its next step: a stop used to drop the step, and the stream never ended. */
    @Test
    void aStreamWaitingForItsNextStepIsClosedAtAStop() {
        Simulator simulator = Simulator.start(Settings.of(name -> null));
        Recording sink = new Recording();
        try {
            Knobs slow = new Knobs(5, 60_000, 0, 0, -1, "error"); // the first piece now, the next in a minute
            new SimulatedStream(List.of(event("lead"), event("1"), event("2"), event("3")), 1, 3, slow, event("{}"),
                    sink, new Events(), simulator).start();
            assertThat(sink.sent).as("the lead event and the first piece").hasSize(2);
            assertThat(simulator.openStreams()).isEqualTo(1);

            simulator.endStreams();
            assertThat(sink.closed).as("its response ends").isTrue();
            assertThat(simulator.openStreams()).isZero();
        } finally {
            simulator.close();
        }
    }

    @Test
    void closingTheSimulatorEndsTheStreamsItLeavesOpen() {
        Simulator simulator = Simulator.start(Settings.of(name -> null));
        Recording sink = new Recording();
        Knobs slow = new Knobs(5, 60_000, 60_000, 0, -1, "error"); // the first token in a minute
        new SimulatedStream(List.of(event("lead"), event("1")), 1, 1, slow, event("{}"), sink, new Events(),
                simulator).start();

        simulator.close();
        assertThat(sink.sent).isEmpty();
        assertThat(sink.closed).as("its response ends").isTrue();
    }

    private static SimulatedStream.Event event(String data) {
        return new SimulatedStream.Event(null, data);
    }

    private static final class Recording implements SseEventSink {
        final List<OutboundSseEvent> sent = new CopyOnWriteArrayList<>();
        volatile boolean closed;

        @Override
        public boolean isClosed() {
            return closed;
        }

        @Override
        public CompletionStage<?> send(OutboundSseEvent event) {
            sent.add(event);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

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
