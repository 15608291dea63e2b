package dev.anyrouter.rest;

import dev.anyrouter.relay.FlushHold;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * A servlet filter that gives each request a {@link FlushHold} (request attribute {@link #HOLD}) over its response
 * stream, so a relay can write several events with one flush, as a byte proxy does.
 */
public final class FlushBatching implements Filter {

    /** The request attribute holding the request's {@link FlushHold}. */
    public static final String HOLD = "dev.anyrouter.flush-hold";

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (response instanceof HttpServletResponse http) {
            FlushHold hold = new FlushHold();
            request.setAttribute(HOLD, hold);
            chain.doFilter(request, DelegatingOutput.around(http, out -> new HeldOutput(out, hold)));
        } else {
            chain.doFilter(request, response);
        }
    }

    /** Forwards the response body, skipping the flushes its {@link FlushHold} holds back. */
    private static final class HeldOutput extends DelegatingOutput {
        private final FlushHold hold;

        HeldOutput(ServletOutputStream out, FlushHold hold) {
            super(out);
            this.hold = hold;
        }

        @Override
        public void flush() throws IOException {
            if (!hold.skipFlush()) {
                super.flush();
            }
        }
    }
}
