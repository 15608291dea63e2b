package dev.anyrouter.upstream;

import java.nio.ByteBuffer;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.thread.SerializedInvoker;

/**
 * A request body that Jetty reads once: its bytes are let go as they are handed over, then an empty end follows.
 * Jetty's own byte contents keep their bytes for the exchange's life, and so does its HTTP/1.1 sender with the last
 * buffer it wrote; a stream's exchange lives as long as the stream, so an open stream would hold its prompt. It
 * cannot be rewound, which the gateway never needs (no redirects are followed).
 */
final class OnceContent implements Request.Content {

    private final String contentType;
    private final long length;
    private final SerializedInvoker invoker = new SerializedInvoker(OnceContent.class);
    private byte[] bytes;
    private Throwable failure;

    OnceContent(String contentType, byte[] bytes) {
        this.contentType = contentType;
        this.length = bytes.length;
        this.bytes = bytes;
    }

    @Override
    public String getContentType() {
        return contentType;
    }

    @Override
    public long getLength() {
        return length;
    }

    @Override
    public synchronized Content.Chunk read() {
        if (failure != null) {
            return Content.Chunk.from(failure);
        }
        if (bytes == null) {
            return Content.Chunk.EOF;
        }
        // Not the last chunk: Jetty keeps the buffer of the last chunk it sent until the exchange ends, and the
        // empty end that follows takes its place. The head and all the bytes still leave in one write.
        Content.Chunk all = Content.Chunk.from(ByteBuffer.wrap(bytes), false);
        bytes = null;
        return all;
    }

    /** What is left can always be read at once: the callback runs now, never nested in itself. */
    @Override
    public void demand(Runnable demandCallback) {
        invoker.run(demandCallback);
    }

    @Override
    public synchronized void fail(Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        bytes = null;
    }

    @Override
    public boolean rewind() {
        return false;
    }
}
