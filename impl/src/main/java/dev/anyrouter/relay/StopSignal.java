package dev.anyrouter.relay;

import dev.anyrouter.upstream.Abort;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A relay's one {@link Stop}, set once from any thread (the first reason wins), and what stopping acts on: the
 * {@link Abort} of the current try's exchange, the exchange that answered, and a pause between tries, which it
 * wakes. Whether the client left is kept apart as well: it decides the generation's outcome even when another
 * reason stopped the relay first.
 */
final class StopSignal {

    private final AtomicReference<Stop> stop = new AtomicReference<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private volatile boolean clientGone;
    private volatile boolean over;
    private volatile Abort abort;
    private volatile UpstreamStream answered;

    /**
     * Stops for {@code reason} unless stopped or over already, aborting the exchange in whatever phase it is;
     * {@code beforeAnswer}: even while no upstream has answered (its connect and first-byte timeouts apply then).
     */
    boolean stop(Stop reason, boolean beforeAnswer) {
        if (over || !beforeAnswer && answered == null || !stop.compareAndSet(null, reason)) {
            return false;
        }
        stopped.complete(null);
        Abort current = abort;
        if (current != null) {
            current.abort();
        }
        UpstreamStream call = answered;
        if (call != null) {
            call.close();
        }
        return true;
    }

    /**
     * The client left: stops the relay, except a non-streamed one whose upstream has answered, which is read to
     * its end and billed by its usage. False when it was known or the relay is over.
     */
    void clientGone(boolean streaming) {
        if (over || clientGone) {
            return;
        }
        clientGone = true;
        if (streaming || answered == null) {
            stop(Stop.clientGone(), true);
        }
    }

    /** A try begins with {@code next}: false when the relay has stopped (read after publishing the switch). */
    boolean trying(Abort next) {
        abort = next;
        return stop.get() == null;
    }

    /** An exchange answered with a success status: false when the relay has stopped meanwhile. */
    boolean answered(UpstreamStream call) {
        answered = call;
        return stop.get() == null;
    }

    /** The exchange serving the request, or {@code null}. */
    UpstreamStream answered() {
        return answered;
    }

    /** Completes after {@code wait} on {@code ticker}, or at a stop: with false when stopped. No thread waits. */
    CompletableFuture<Boolean> pause(Ticker ticker, Duration wait) {
        CompletableFuture<Boolean> over = new CompletableFuture<>();
        Ticker.Task task = ticker.once(() -> over.complete(stop.get() == null), wait);
        stopped.thenRun(() -> {
            task.cancel();
            over.complete(false);
        });
        return over;
    }

    /** Throws the client's answer when the relay has stopped. */
    void throwIfStopped() {
        Stop reason = stop.get();
        if (reason != null) {
            throw reason.answer();
        }
    }

    /** The reason, or {@code null} while the relay runs. */
    Stop reason() {
        return stop.get();
    }

    boolean clientGone() {
        return clientGone;
    }

    /** Stopped, or over: nothing more is to be written on the relay's behalf. */
    boolean quiet() {
        return over || stop.get() != null;
    }

    /** The relay is over: later stops do nothing. */
    void end() {
        over = true;
    }
}
