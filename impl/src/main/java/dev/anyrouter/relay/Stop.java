package dev.anyrouter.relay;

import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.errors.Refusal;
import java.util.Optional;

/**
 * Why a relay stopped before its upstream finished, set once (the first wins), and what its client is answered:
 * the status when nothing was sent yet, else an in-band error event.
 *
 * @param reason what stopped it
 * @param answer the client's answer
 */
record Stop(Reason reason, GatewayException answer) {

    enum Reason {
        /** The client left: a failed write, the watch on its connection, the end of its async cycle. */
        CLIENT_GONE,
        /** The upstream was silent too long, or the request ran too long ({@code ANYROUTER_*_TIMEOUT_MS}). */
        TIMED_OUT,
        /** The gateway is shutting down and its grace period is over. */
        SHUTTING_DOWN,
        /** What the stream delivered has cost the credit its key reserved for it. */
        CREDIT_SPENT
    }

    /** A 499 (nginx's "client closed request"), which nobody reads: the client has gone. */
    static Stop clientGone() {
        return new Stop(Reason.CLIENT_GONE, GatewayException.stopped(499, ErrorTypes.INVALID_REQUEST,
                "the client closed the connection", Optional.empty()));
    }

    static Stop timedOut(String provider, String what) {
        return new Stop(Reason.TIMED_OUT, GatewayException.stopped(504, ErrorTypes.TIMEOUT,
                "upstream '" + provider + "' " + what, Optional.empty()));
    }

    static Stop shuttingDown() {
        return new Stop(Reason.SHUTTING_DOWN, GatewayException.stopped(503, ErrorTypes.OVERLOADED,
                "the gateway is shutting down; try again", Optional.of("1")));
    }

    static Stop creditSpent() {
        return new Stop(Reason.CREDIT_SPENT, GatewayException.refused(Refusal.CREDIT, 402,
                ErrorTypes.INSUFFICIENT_CREDITS, "the key's credit limit was reached during the stream; it was ended",
                Optional.empty()));
    }
}
