package dev.anyrouter.rest;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.util.function.UnaryOperator;

/**
 * A servlet output stream that forwards everything to the container's; the response filters' streams extend it and
 * override only what they add. {@link #around} puts one in front of a response's stream.
 */
class DelegatingOutput extends ServletOutputStream {

    private final ServletOutputStream out;

    DelegatingOutput(ServletOutputStream out) {
        this.out = out;
    }

    /** {@code response}, its output stream wrapped by {@code wrap} the first time it is asked for. */
    static HttpServletResponse around(HttpServletResponse response, UnaryOperator<ServletOutputStream> wrap) {
        return new HttpServletResponseWrapper(response) {
            private ServletOutputStream output;

            @Override
            public synchronized ServletOutputStream getOutputStream() throws IOException {
                if (output == null) {
                    output = wrap.apply(super.getOutputStream());
                }
                return output;
            }
        };
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
        out.flush();
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
