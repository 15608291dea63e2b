package dev.anyrouter.rest;

import jakarta.servlet.ServletRequest;

/**
 * Notices a client that closes its connection while its request has nothing to write yet: a non-streamed answer
 * being awaited from the upstream. A servlet container learns that a client left only when a write fails, and
 * such a request writes nothing until its answer, so this takes the container's own API. The embedded Jetty
 * server puts one in the servlet context ({@link #ATTRIBUTE}); without one (a WAR), the request keeps its upstream
 * call until the upstream answers or times out.
 */
public interface IdleDisconnects {

    /** The servlet context attribute holding the container's {@code IdleDisconnects}, if it has one. */
    String ATTRIBUTE = "dev.anyrouter.idle-disconnects";

    /** The watch of a connection that cannot be watched. */
    Watch UNWATCHED = new Watch() {
        @Override
        public boolean stop() {
            return true;
        }

        @Override
        public boolean active() {
            return false;
        }
    };

    /** Watches nothing. */
    IdleDisconnects NONE = (request, onGone) -> UNWATCHED;

    /**
     * Starts watching {@code request}'s connection: {@code onGone} runs at most once, on any thread, if the client
     * goes away before {@link Watch#stop()}.
     */
    Watch watch(ServletRequest request, Runnable onGone);

    /** The context's watcher, or {@link #NONE}. */
    static IdleDisconnects of(ServletRequest request) {
        Object found = request.getServletContext().getAttribute(ATTRIBUTE);
        return found instanceof IdleDisconnects watcher ? watcher : NONE;
    }

    /** One request's watch. */
    interface Watch {
        /**
         * Stops watching; call it before the response is written. False when the connection must close after this
         * response: the watch read bytes of a request the client sent early (pipelined), which cannot be put back.
         */
        boolean stop();

        /** False when the connection is not watched (a WAR, HTTP/2): {@code onGone} will not run. */
        default boolean active() {
            return true;
        }
    }
}
