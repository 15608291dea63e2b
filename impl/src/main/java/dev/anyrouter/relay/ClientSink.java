package dev.anyrouter.relay;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.StreamCodec;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Where a {@link Relay} delivers its answer: {@link SseSink} for a stream, {@link JsonSink} for a non-streamed
 * answer, each on the client's {@link HeldResponse}. The relay calls it from one thread at a time, and {@link #tick}
 * from the timer thread; the sink calls the relay's {@link Listener} from whichever thread notices something. What only a stream needs does nothing by
 * default.
 */
public interface ClientSink {

    /**
     * What a sink tells its relay, and asks it.
     *
     * @param clientGone a write failed: the client is gone
     * @param stopped    whether the relay has stopped: a keep-alive now would commit a 200 it is about to refuse
     * @param committing the response is about to be committed (its first byte): the ledger row comes first
     * @param clock      the relay's clock, in nanoseconds (see {@link #tick})
     */
    record Listener(Runnable clientGone, BooleanSupplier stopped, Runnable committing, LongSupplier clock) {
    }

    /** Called once, before anything else. */
    default void attach(Listener listener) {
    }

    /** Whether the client asked for a stream of events. */
    boolean streaming();

    /** A try of the upstream begins at {@code nanos} (the grace of a held response restarts). */
    default void trying(long nanos) {
    }

    /**
     * The relay waits between tries: nothing may be committed until the next {@link #trying} (or the failure, if no
     * try follows), whose grace starts afresh.
     */
    default void pausing() {
    }

    /** The timer: commit a held response, keep a quiet one alive. */
    default void tick(long nanos) {
    }

    /** Sends one event; false when the client is gone. */
    boolean send(String name, String data);

    /** Whether the response is committed: its first byte was sent. */
    default boolean committed() {
        return false;
    }

    /**
     * Switches a committed stream to writes that never block: {@link #send} gathers, {@link #flush} hands what
     * gathered to the client, and {@code wake} runs once a write the client could not take at once is done. False
     * when the container cannot: writes stay blocking.
     */
    default boolean nonBlocking(Runnable wake) {
        return false;
    }

    /** False while the client is still taking what was flushed without blocking: the relay reads on after. */
    default boolean writable() {
        return true;
    }

    /** Sends what was written so far; false when the client is gone. */
    default boolean flush() {
        return true;
    }

    /** Runs {@code then} once all that was written has left (at once unless writes do not block). */
    default void whenDrained(Runnable then) {
        flush();
        then.run();
    }

    /**
     * The client is gone, however the relay heard of it (a failed write, the container's end of the request, the
     * watch on its connection): nothing waits for its writes any more, and {@link #whenDrained} runs at once, or
     * now if it was waiting. A container that saw the connection fail never calls back about a write in progress.
     */
    default void gone() {
    }

    /** The whole non-streamed answer. */
    void answer(String json);

    /**
     * The relay failed with {@code failure}: when nothing was sent yet it is the status answer, given once the relay
     * has ended ({@link #ended}); else it is reported in-band through {@code codec}, in the client's own format.
     */
    void fail(GatewayException failure, StreamCodec codec);

    /** The client left; {@code answer} is what is answered to nobody, where an answer is still due. */
    void abandoned(GatewayException answer);

    /** The relay is over: end the response, unless the status answer is due ({@link #fail}). */
    default void close() {
    }

    /**
     * The relay has ended and billed: a response still held is answered now (the status answer, or a non-streamed
     * answer), so a client that hears of its end finds its place given back and its generation recorded.
     */
    default void ended() {
    }
}
