package dev.anyrouter.relay;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.config.TimeoutsConfig;
import java.io.IOException;

/**
 * Moves the answer of the exchange that answered to the client's sink, on the relay thread: a stream event by
 * event as each arrives, through the serving model's {@code StreamCodec}, so backpressure stops at the upstream
 * socket; a non-streamed answer whole. It checks the {@link StopSignal} after every read and write: a stop that
 * aborted a read is the stop's answer, not the upstream's failure, and events buffered meanwhile are not relayed.
 */
final class EventPump {

    /** The largest non-streamed answer read. */
    private static final int BODY_LIMIT = 64 << 20;

    private final Target target;
    private final UpstreamStream call;
    private final ClientSink sink;
    private final StopSignal signal;
    private final Ticker ticker;
    private volatile long lastEvent;
    /** Whether the upstream event after the one just read was already buffered. */
    private boolean nextReady;

    EventPump(Target target, UpstreamStream call, ClientSink sink, StopSignal signal, Ticker ticker) {
        this.target = target;
        this.call = call;
        this.sink = sink;
        this.signal = signal;
        this.ticker = ticker;
        this.lastEvent = ticker.nanos();
    }

    /** When the upstream last sent an event (or answered), on the relay's clock. */
    long lastEvent() {
        return lastEvent;
    }

    /**
     * The timeout the request is over, {@code running} after it began: {@code ANYROUTER_TOTAL_TIMEOUT_MS} in all,
     * or for a stream {@code ANYROUTER_IDLE_TIMEOUT_MS} of upstream silence; {@code null} while within both.
     */
    Stop overdue(long running, TimeoutsConfig timeouts) {
        if (running >= timeouts.total().toNanos()) {
            return Stop.timedOut(provider(), "did not finish within " + timeouts.total().toMillis() + " ms");
        }
        if (sink.streaming() && ticker.nanos() - lastEvent > timeouts.idle().toNanos()) {
            return Stop.timedOut(provider(), "sent nothing for " + timeouts.idle().toMillis() + " ms");
        }
        return null;
    }

    /** Relays a stream to its end: its outcome, or throws the failure the client is told of. */
    Generation.Outcome stream() {
        UpstreamStream.Event event;
        while ((event = read()) != null) {
            boolean complete = translate(event);
            if (signal.clientGone()) {
                return Generation.Outcome.CANCELLED;
            }
            signal.throwIfStopped();
            if (complete) {
                return Generation.Outcome.COMPLETED;
            }
        }
        if (signal.clientGone()) {
            return Generation.Outcome.CANCELLED;
        }
        signal.throwIfStopped();
        if (!target.codec().end(sink::send)) {
            throw call.bodyFailure().orElseGet(() -> GatewayException.upstream("upstream '" + provider()
                    + "' ended the stream before it finished", null));
        }
        return signal.clientGone() ? Generation.Outcome.CANCELLED : Generation.Outcome.COMPLETED;
    }

    /**
     * The next event, {@code null} at the end or when the client left. While the one after it is already
     * buffered, the flushes of what this one writes are held, so a burst leaves in one write; before a read that
     * may wait for the network, anything held is flushed.
     */
    private UpstreamStream.Event read() {
        if (!nextReady && !sink.flush()) {
            return null;
        }
        UpstreamStream.Event event;
        try {
            event = call.next();
        } catch (GatewayException e) {
            if (signal.clientGone()) {
                return null;
            }
            signal.throwIfStopped();
            throw e;
        }
        lastEvent = ticker.nanos();
        nextReady = call.eventBuffered();
        sink.hold(nextReady); // a lone event (paced output) is flushed as it is written
        return event;
    }

    private boolean translate(UpstreamStream.Event event) {
        try {
            return target.codec().event(event.name(), event.data(), sink::send);
        } catch (IOException e) {
            throw GatewayException.upstream("upstream '" + provider() + "' sent a malformed event", e);
        }
    }

    /** A non-streamed answer: read to its end even if the client left since it arrived, as it is billed. */
    Generation.Outcome answer() {
        String json;
        try {
            json = target.codec().completion(call.text(BODY_LIMIT));
        } catch (IOException | RuntimeException e) {
            throwIfClientGone();
            signal.throwIfStopped();
            throw e instanceof GatewayException g ? g
                    : GatewayException.upstream("upstream '" + provider() + "' sent an unreadable completion", e);
        }
        throwIfClientGone();
        sink.answer(json);
        return Generation.Outcome.COMPLETED;
    }

    private void throwIfClientGone() {
        if (signal.clientGone()) {
            throw Stop.clientGone().answer();
        }
    }

    private String provider() {
        return target.route().upstream().name();
    }
}
