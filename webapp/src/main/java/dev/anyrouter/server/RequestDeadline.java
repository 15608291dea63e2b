package dev.anyrouter.server;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Deadlines for a request's head and body on the embedded server's HTTP/1 connections. Jetty's idle timeout only
 * bounds the silence between two bytes: a client sending one header byte every 15 s kept its connection for ever,
 * and a body that stopped held the thread reading it for the whole idle timeout. One timer task looks at every
 * connection a few times per deadline and closes the late ones:
 * <ul>
 *   <li>a head must be whole within {@code headTimeout} of its first byte, as the server read it; a connection
 *       that sends nothing (a new one, or an idle keep-alive one) is left to the idle timeout. A connection's first
 *       head was once timed from the connection's opening: in a burst of thousands of new connections the server
 *       had not read some heads 10 s after their opening, and closed them unread (BENCHMARKS.md, "Issue 15,
 *       sixth stop");</li>
 *   <li>a body must arrive at {@code minBodyRate} bytes per second on average, after a grace of 2 s. Only the time the server spends waiting for the client's bytes counts: a body the
 *       application has not asked for yet (its request queued behind others) is not the client's fault. Jetty's
 *       own minimum data rate counts that time too, and refused small bodies read a moment late (408).</li>
 * </ul>
 * A closed connection fails the read that waits for it at once, which frees its thread.
 */
final class RequestDeadline extends AbstractLifeCycle {

    private static final System.Logger LOG = System.getLogger(RequestDeadline.class.getName());
    private static final String STATE = RequestDeadline.class.getName();

    /** What a body may lag behind the minimum rate: a stall or two of a real network. */
    static final long BODY_GRACE_MILLIS = 2_000;

    private final ServerConnector connector;
    private final long headMillis;
    private final long minBodyRate;
    private final long periodMillis;
    private volatile Scheduler.Task task;

    /** @param minBodyRate bytes per second; 0 for no body deadline */
    RequestDeadline(ServerConnector connector, Duration headTimeout, long minBodyRate) {
        this.connector = connector;
        this.headMillis = headTimeout.toMillis();
        this.minBodyRate = minBodyRate;
        this.periodMillis = Math.max(25, Math.min(1_000, headMillis / 4));
    }

    @Override
    protected void doStart() {
        schedule();
    }

    @Override
    protected void doStop() {
        Scheduler.Task scheduled = task;
        if (scheduled != null) {
            scheduled.cancel();
        }
    }

    private void schedule() {
        if (isRunning() || isStarting()) {
            task = connector.getScheduler().schedule(this::sweep, periodMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void sweep() {
        try {
            long now = System.currentTimeMillis();
            for (EndPoint endPoint : connector.getConnectedEndPoints()) {
                if (endPoint.getConnection() instanceof HttpConnection connection) {
                    String late = late(connection, now);
                    if (late != null) {
                        LOG.log(System.Logger.Level.DEBUG, "closing {0}: {1}", endPoint.getRemoteSocketAddress(),
                                late);
                        endPoint.close();
                    }
                }
            }
        } finally {
            schedule();
        }
    }

    /** Why the connection's current request is late, or null. */
    private String late(HttpConnection connection, long now) {
        Progress progress = (Progress) connection.getAttribute(STATE);
        if (progress == null) {
            progress = new Progress();
            connection.setAttribute(STATE, progress);
        }
        long bytes = connection.getBytesIn();
        long requests = connection.getMessagesIn();
        boolean handling = connection.getHttpChannel().getRequest() != null;
        if (requests != progress.requests || progress.handling && !handling) {
            // a request began or ended since the last look: a next head begins with its first byte
            progress.requests = requests;
            progress.bytes = bytes;
            progress.since = 0;
            progress.bodyWaited = -1;
        }
        progress.handling = handling;
        if (handling) {
            return lateBody(connection, progress, bytes, now);
        }
        if (progress.since == 0 && bytes > progress.bytes) {
            progress.since = now;
        }
        return progress.since != 0 && now - progress.since > headMillis
                ? "no whole request head within " + headMillis + " ms" : null;
    }

    /** While a request is handled: whether its body, still arriving, is behind the minimum rate. */
    private String lateBody(HttpConnection connection, Progress progress, long bytes, long now) {
        if (minBodyRate <= 0 || !connection.getParser().inContentState()) {
            return null;
        }
        if (progress.bodyWaited < 0) { // the body's first look
            progress.bodyWaited = 0;
            progress.bodyBytes = bytes;
            progress.lastLook = now;
            return null;
        }
        if (connection.getEndPoint().isFillInterested()) { // the server is waiting for the client's bytes
            progress.bodyWaited += now - progress.lastLook;
        }
        progress.lastLook = now;
        long allowed = BODY_GRACE_MILLIS + (bytes - progress.bodyBytes) * 1_000 / minBodyRate;
        return progress.bodyWaited > allowed ? "request body slower than " + minBodyRate + " B/s" : null;
    }

    /** One connection's current request, as last seen; touched only by the sweep. */
    private static final class Progress {
        long since;
        long bytes;
        long requests;
        boolean handling;
        /** Milliseconds spent waiting for the body's bytes, -1 before its first look. */
        long bodyWaited = -1;
        long bodyBytes;
        long lastLook;
    }
}
