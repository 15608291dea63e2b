package dev.anyrouter.server;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A deadline for a whole request head. Jetty's idle timeout only bounds the silence between two bytes, so a client
 * sending one header byte every 15 s kept its connection (and a descriptor) for ever. Here one timer task looks at
 * every HTTP/1 connection of the connector a few times per deadline: a connection waiting for a request head
 * (none is being handled) whose head began more than the deadline ago is closed. A head begins when the connection
 * opens (its first request) or, after a request, with the first byte of the next one; an idle keep-alive
 * connection is left to the idle timeout.
 */
final class HeadDeadline extends AbstractLifeCycle {

    private static final System.Logger LOG = System.getLogger(HeadDeadline.class.getName());
    private static final String STATE = HeadDeadline.class.getName();

    private final ServerConnector connector;
    private final long deadlineMillis;
    private final long periodMillis;
    private volatile Scheduler.Task task;

    HeadDeadline(ServerConnector connector, Duration deadline) {
        this.connector = connector;
        this.deadlineMillis = deadline.toMillis();
        this.periodMillis = Math.max(25, Math.min(1_000, deadlineMillis / 4));
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
                if (endPoint.getConnection() instanceof HttpConnection connection && late(connection, now)) {
                    LOG.log(System.Logger.Level.DEBUG, "closing {0}: no whole request head within {1} ms",
                            endPoint.getRemoteSocketAddress(), deadlineMillis);
                    endPoint.close();
                }
            }
        } finally {
            schedule();
        }
    }

    /** Whether the connection's current request head has taken longer than the deadline. */
    private boolean late(HttpConnection connection, long now) {
        Head head = (Head) connection.getAttribute(STATE);
        if (head == null) {
            head = new Head(connection.getEndPoint().getCreatedTimeStamp());
            connection.setAttribute(STATE, head);
        }
        if (connection.getHttpChannel().getRequest() != null) {
            head.handling = true; // a request is being handled: its body is the minimum data rate's business
            return false;
        }
        long bytes = connection.getBytesIn();
        long requests = connection.getMessagesIn();
        if (head.handling || requests != head.requests) {
            // a request ended since the last look: the next head begins with its first byte
            head.handling = false;
            head.requests = requests;
            head.bytes = bytes;
            head.since = 0;
            return false;
        }
        if (head.since == 0 && bytes > head.bytes) {
            head.since = now;
        }
        return head.since != 0 && now - head.since > deadlineMillis;
    }

    /** One connection's current head, as last seen; touched only by the sweep. */
    private static final class Head {
        long since;
        long bytes;
        long requests;
        boolean handling;

        Head(long openedMillis) {
            this.since = openedMillis;
        }
    }
}
