package dev.anyrouter.rest;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;

/**
 * A servlet filter that tells a relay when the container ends the request's async cycle (Jetty reports a vanished
 * client as complete, Tomcat as an error). The servlet specification allows {@code AsyncContext.addListener} only
 * during the container's dispatch that started async, which is where this filter adds its listener; the relay
 * runs later on its own thread and only says what to do ({@link Watch#onEnd}). Payara enforces that rule: a
 * listener added from the relay thread fails there with an {@code IllegalStateException}.
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
            chain.doFilter(request, response);
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

    /** Runs an action once when the async cycle ends, or at once if it already has. */
    public static final class Watch implements AsyncListener {
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
            synchronized (this) {
                ended = true;
                run = action;
                action = null;
            }
            if (run != null) {
                run.run();
            }
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
}
