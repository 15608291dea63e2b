package dev.anyrouter.server;

import dev.anyrouter.rest.IdleDisconnects;
import jakarta.servlet.ServletRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CancellationException;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.HttpChannel;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * Notices an HTTP/1 client that closes its connection while its request waits, by reading its connection. While
 * Jetty handles a request whose body it has read, it does not read the connection, so a client's FIN or reset goes
 * unseen until a write fails (measured: neither the request's failure listeners nor the connection's close
 * listeners run). The watch asks the connection's end point to say when it is readable ({@code tryFillInterested})
 * and reads it: end of stream or an error means the client left. Jetty's channel is then told, as Jetty does itself
 * when it reads a connection's end during a request ({@code onRemoteFailure}), so the request's async cycle ends
 * with an error; without that it was never ended. HTTP/2 and later are left alone.
 *
 * <p>The read interest must be given back before Jetty reads the connection again for the next request, which it
 * does once the response is complete: {@link Probe#stop()} takes it back, before the response is written. A client
 * may legally send its next request before this one's answer (pipelining, which clients should not do after a
 * POST): the watch then has read bytes of it that it cannot put back, and the connection closes after the response.
 */
final class JettyIdleDisconnects implements IdleDisconnects {

    @Override
    public Watch watch(ServletRequest servlet, Runnable onGone) {
        ServletContextRequest request;
        try {
            request = ServletContextRequest.getServletContextRequest(servlet);
        } catch (IllegalStateException notJetty) {
            return NONE.watch(servlet, onGone);
        }
        ConnectionMetaData connection = request.getConnectionMetaData();
        if (connection.getHttpVersion().getVersion() > 11
                || !(connection.getConnection().getEndPoint() instanceof AbstractEndPoint endPoint)) {
            return NONE.watch(servlet, onGone);
        }
        Probe probe = new Probe(endPoint, HttpChannel.from(request), onGone);
        probe.arm();
        return probe;
    }

    /** The read interest on one connection while one request waits. */
    private static final class Probe implements Callback, Watch {
        private static final CancellationException STOPPED = new CancellationException("the response is ready");

        private final AbstractEndPoint endPoint;
        private final HttpChannel channel;
        private final Runnable onGone;
        private final ByteBuffer buffer = BufferUtil.allocate(1);
        private boolean armed;
        private boolean stopped;
        private boolean reusable = true;

        Probe(AbstractEndPoint endPoint, HttpChannel channel, Runnable onGone) {
            this.endPoint = endPoint;
            this.channel = channel;
            this.onGone = onGone;
        }

        /** Under the lock, so that {@link #stop()} never misses an interest being registered. */
        synchronized void arm() {
            if (!stopped) {
                // false: something else reads the connection (the request body), and will see the end itself
                armed = endPoint.tryFillInterested(this);
            }
        }

        /** The connection is readable: its end, an error, or bytes of the client's next request. */
        @Override
        public void succeeded() {
            synchronized (this) {
                armed = false;
                if (stopped) {
                    return;
                }
                int filled;
                try {
                    filled = endPoint.fill(buffer);
                } catch (IOException reset) {
                    filled = -1;
                }
                if (filled == 0) {
                    arm();
                    return;
                }
                if (filled > 0) {
                    reusable = false;
                    return;
                }
                stopped = true;
            }
            // The answer has nowhere to go. Closing now also spares Jetty a response to a reset connection, after
            // which it kept the connection open (measured on 12.1).
            EofException gone = new EofException("the client closed the connection");
            Runnable failRequest = channel.onRemoteFailure(gone);
            if (failRequest != null) {
                failRequest.run();
            }
            endPoint.close(gone);
            onGone.run();
        }

        /** The end point failed or closed. */
        @Override
        public void failed(Throwable cause) {
            synchronized (this) {
                armed = false;
                if (stopped) {
                    return;
                }
                stopped = true;
            }
            onGone.run();
        }

        @Override
        public synchronized boolean stop() {
            stopped = true;
            if (armed) {
                armed = false;
                // Only this probe can hold the interest now: Jetty's own registration would have failed.
                endPoint.getFillInterest().onFail(STOPPED);
            }
            return reusable;
        }
    }
}
