package dev.anyrouter.rest;

import dev.anyrouter.relay.FlushHold;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
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
            chain.doFilter(request, new Held(http, hold));
        } else {
            chain.doFilter(request, response);
        }
    }

    private static final class Held extends HttpServletResponseWrapper {
        private final FlushHold hold;
        private HeldOutput output;

        Held(HttpServletResponse response, FlushHold hold) {
            super(response);
            this.hold = hold;
        }

        @Override
        public synchronized ServletOutputStream getOutputStream() throws IOException {
            if (output == null) {
                output = new HeldOutput(super.getOutputStream(), hold);
            }
            return output;
        }
    }

    private static final class HeldOutput extends ServletOutputStream {
        private final ServletOutputStream out;
        private final FlushHold hold;

        HeldOutput(ServletOutputStream out, FlushHold hold) {
            this.out = out;
            this.hold = hold;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            out.write(bytes, offset, length);
        }

        @Override
        public void flush() throws IOException {
            if (!hold.skipFlush()) {
                out.flush();
            }
        }

        @Override
        public void close() throws IOException {
            out.close();
        }

        @Override
        public boolean isReady() {
            return out.isReady();
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            out.setWriteListener(listener);
        }
    }
}
