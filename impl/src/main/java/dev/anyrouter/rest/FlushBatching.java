package dev.anyrouter.rest;

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
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A servlet filter that lets a relay write several events with one flush, as a byte proxy does. Jersey flushes
 * after every event it writes; while the relay holds the {@link #HOLD} flag of its request (set only when the
 * next upstream event is already buffered, so it can be written at once), those flushes are skipped and the
 * events gather in the container's response buffer. The relay's next write without the flag flushes them all.
 */
public final class FlushBatching implements Filter {

    /** The request attribute holding the {@link AtomicBoolean} a relay sets while more events are ready. */
    public static final String HOLD = "dev.anyrouter.flush-hold";

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (response instanceof HttpServletResponse http) {
            AtomicBoolean hold = new AtomicBoolean();
            request.setAttribute(HOLD, hold);
            chain.doFilter(request, new Held(http, hold));
        } else {
            chain.doFilter(request, response);
        }
    }

    private static final class Held extends HttpServletResponseWrapper {
        private final AtomicBoolean hold;
        private HeldOutput output;

        Held(HttpServletResponse response, AtomicBoolean hold) {
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
        private final AtomicBoolean hold;

        HeldOutput(ServletOutputStream out, AtomicBoolean hold) {
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
            if (!hold.get()) {
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
