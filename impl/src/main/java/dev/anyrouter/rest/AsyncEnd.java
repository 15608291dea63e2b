package dev.anyrouter.rest;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A servlet filter that keeps the request's own threads off its response once the container has ended the async
 * cycle, and tells a relay when that happens (Jetty reports a vanished client as complete, Tomcat as an error).
 *
 * <p>Why: relays, keep-alive writers and the simulator write from their own threads, and the container ends a
 * cycle on its own thread whenever it sees the client gone. Tomcat then recycles the request's processor and
 * output buffer for the next connection at once; its discarded facades refuse a write that starts afterwards,
 * not one already inside the output buffer, and about one stream in six started right after a cancelled one was
 * cut off or hung. So the response stream given to the application lets one write, flush or close in at a time;
 * the container's end (its listeners run before it recycles anything) waits for the one in progress, and later
 * ones fail with an {@link IOException}, as on a closed connection.
 *
 * <p>The servlet specification allows {@code AsyncContext.addListener} only during the container's dispatch that
 * started async, which is where this filter adds its listener; Payara enforces that rule.
 */
public final class AsyncEnd implements Filter {

    /** The request attribute holding the request's {@link Watch}. */
    public static final String WATCH = "dev.anyrouter.async-end";

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        Watch watch = new Watch();
        request.setAttribute(WATCH, watch);
        try {
            chain.doFilter(request, response instanceof HttpServletResponse http
                    ? DelegatingOutput.around(http, out -> new GuardedOutput(out, watch)) : response);
        } finally {
            if (request.isAsyncStarted()) {
                try {
                    request.getAsyncContext().addListener(watch);
                } catch (IllegalStateException e) {
                    watch.end(); // the exchange is already over
                }
            }
        }
    }

    /** The request's watch, or {@code null} when the filter did not run. */
    static Watch of(ServletRequest request) {
        return (Watch) request.getAttribute(WATCH);
    }

    /**
     * The end of a request's async cycle: runs an action once when it comes, and keeps the response stream's
     * users out from then on.
     */
    public static final class Watch implements AsyncListener {
        /** Held by a write, flush or close of the response stream, and by the end while it takes effect. */
        private final ReentrantLock response = new ReentrantLock();
        private Runnable action;
        private boolean ended;

        /** Sets what to do when the cycle ends; runs it now if it already has. */
        public void onEnd(Runnable onEnd) {
            synchronized (this) {
                if (!ended) {
                    action = onEnd;
                    return;
                }
            }
            onEnd.run();
        }

        void end() {
            Runnable run;
            response.lock(); // waits for a write in progress: the container may recycle the response next
            try {
                synchronized (this) {
                    ended = true;
                    run = action;
                    action = null;
                }
            } finally {
                response.unlock();
            }
            if (run != null) {
                run.run();
            }
        }

        /** Takes the response stream for one write, flush or close; throws once the cycle has ended. */
        void enter() throws IOException {
            response.lock();
            boolean over;
            synchronized (this) {
                over = ended;
            }
            if (over) {
                response.unlock();
                throw new IOException("the request's async cycle has ended");
            }
        }

        void leave() {
            response.unlock();
        }

        @Override
        public void onComplete(AsyncEvent event) {
            end();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            end();
        }

        @Override
        public void onError(AsyncEvent event) {
            end();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this);
        }
    }

    /** The response stream, one write, flush or close at a time, and none after the cycle ended. */
    private static final class GuardedOutput extends DelegatingOutput {
        private final Watch watch;

        GuardedOutput(ServletOutputStream out, Watch watch) {
            super(out);
            this.watch = watch;
        }

        @Override
        public void write(int b) throws IOException {
            watch.enter();
            try {
                super.write(b);
            } finally {
                watch.leave();
            }
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            watch.enter();
            try {
                super.write(bytes, offset, length);
            } finally {
                watch.leave();
            }
        }

        @Override
        public void flush() throws IOException {
            watch.enter();
            try {
                super.flush();
            } finally {
                watch.leave();
            }
        }

        @Override
        public void close() throws IOException {
            watch.enter();
            try {
                super.close();
            } finally {
                watch.leave();
            }
        }
    }
}
