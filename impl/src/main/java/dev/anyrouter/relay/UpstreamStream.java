package dev.anyrouter.relay;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.config.Endpoint;
import dev.anyrouter.upstream.Abort;
import dev.anyrouter.upstream.SseEvent;
import dev.anyrouter.upstream.UpstreamErrors;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One upstream exchange as the relay sees it, once its headers arrived: its status, then its events as they arrive
 * or its whole body; no thread waits for any of it. Aborted from any thread through the {@link Abort} it was opened with, or by {@link #close()}.
 */
interface UpstreamStream extends AutoCloseable {

    /** Opens exchanges: {@code JerseyUpstream} in the gateway, a scripted fake in tests. */
    interface Opener {
        /**
         * Sends {@code target}'s request to {@code endpoint} and returns at once: the exchange completes once its
         * headers arrived, or fails with the client's answer (connect, timeout); at once when {@code abort} is
         * thrown, in whatever phase. {@code onSent} runs once the request reached the upstream whole.
         */
        CompletableFuture<UpstreamStream> open(Target target, Endpoint endpoint, boolean stream, Runnable onSent,
                Abort abort);
    }

    int status();

    boolean ok();

    /**
     * What a refusal (a status that is not a success) means for the client and for the endpoint's breaker, once its
     * body arrived.
     */
    CompletableFuture<UpstreamErrors.Refused> refusal();

    /**
     * The next event with data that is already here, {@code null} when none is (or the body ended); a broken or
     * oversized body is thrown as the client's error. Never waits.
     */
    SseEvent poll();

    /** True once the body ended and every event was taken. */
    boolean ended();

    /**
     * Runs {@code wake} once more of the body (or its end, or a failure, or an abort) arrived, on whichever thread
     * notices; at once if it has. Call only after {@link #poll} returned {@code null}, and once until it runs.
     */
    void onReady(Runnable wake);

    /** At most {@code limit} bytes of the body as UTF-8 text (a non-streamed answer), once it arrived. */
    CompletableFuture<String> text(int limit);

    /** Why the body ended early, when the connection broke rather than the upstream finishing. */
    Optional<GatewayException> bodyFailure();

    /**
     * Closes a body that ended normally, letting its end arrive within {@code wait} so the connection is reused;
     * returns at once.
     */
    void finish(Duration wait);

    /** Aborts what is left of the exchange; safe from any thread. */
    @Override
    void close();
}
