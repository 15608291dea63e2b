package dev.anyrouter.rest;

import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.ops.AccessLog;
import dev.anyrouter.store.ClientKey;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * A servlet filter in front of the Jersey servlet that sees each request end: when the filter chain returns, or,
 * for a request that went asynchronous (every relayed request), when the container completes it. Then it counts
 * the request ({@code anyrouter_requests_total}, for the two completion APIs) and ends its access-log line. It
 * also counts the response's bytes. What Jersey learnt about the request (key, body, generation id) is read from
 * the request's attributes, where Jersey keeps its request properties.
 */
public final class RequestLog implements Filter {

    /** The request attribute holding the request's {@link AccessLog.Entry}. */
    public static final String ENTRY = "dev.anyrouter.access-entry";

    private final AnyRouter engine;

    public RequestLog(AnyRouter engine) {
        this.engine = engine;
    }

    /** The access-log line of {@code request}, or null when this filter is not installed. */
    static AccessLog.Entry entry(HttpServletRequest request) {
        return (AccessLog.Entry) request.getAttribute(ENTRY);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest http) || !(response instanceof HttpServletResponse out)) {
            chain.doFilter(request, response);
            return;
        }
        LongAdder bytes = new LongAdder();
        Ended ended = new Ended(http, DelegatingOutput.around(out, stream -> new CountedOutput(stream, bytes)),
                bytes, engine.accessLog().start(http.getMethod(), http.getRequestURI()));
        http.setAttribute(ENTRY, ended.entry);
        try {
            chain.doFilter(http, ended.response);
        } finally {
            if (!listening(http, ended)) {
                ended.end();
            }
        }
    }

    /** True when the request went asynchronous and {@code ended} will hear of its end. */
    private static boolean listening(HttpServletRequest request, Ended ended) {
        if (!request.isAsyncStarted()) {
            return false;
        }
        try {
            request.getAsyncContext().addListener(ended);
            return true;
        } catch (IllegalStateException completedMeanwhile) {
            return false;
        }
    }

    /** Ends a request once, whichever way the container reports it. */
    private final class Ended implements AsyncListener {
        private final HttpServletRequest request;
        private final HttpServletResponse response;
        private final LongAdder bytes;
        private final AccessLog.Entry entry;
        private final AtomicBoolean done = new AtomicBoolean();

        Ended(HttpServletRequest request, HttpServletResponse response, LongAdder bytes, AccessLog.Entry entry) {
            this.request = request;
            this.response = response;
            this.bytes = bytes;
            this.entry = entry;
        }

        void end() {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            int status = response.getStatus();
            ClientRequest client = (ClientRequest) request.getAttribute(ClientRequest.PROPERTY);
            Boolean stream = client == null ? null : client.stream();
            // The path within the Jersey servlet, wherever it is mounted ("/*" or "/llm/*").
            String api = api(request.getPathInfo() == null ? "" : request.getPathInfo());
            if (api != null) {
                engine.metrics().request(api, stream, status);
            }
            ClientKey key = (ClientKey) request.getAttribute(AuthFilter.KEY);
            entry.responded(status, bytes.sum(), key == null ? null : key.id(),
                    client == null ? null : client.model(), stream,
                    (String) request.getAttribute(StreamHeadersFilter.GENERATION_ID));
        }

        @Override
        public void onComplete(AsyncEvent event) {
            end();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            // the container completes the request next
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

    private static String api(String path) {
        if (path.equals("/" + CompletionsResource.CHAT)) {
            return "chat";
        }
        return path.equals("/" + CompletionsResource.MESSAGES) ? "messages" : null;
    }

    /** Forwards the response body and counts its bytes. */
    private static final class CountedOutput extends DelegatingOutput {
        private final LongAdder bytes;

        CountedOutput(ServletOutputStream out, LongAdder bytes) {
            super(out);
            this.bytes = bytes;
        }

        @Override
        public void write(int b) throws IOException {
            super.write(b);
            bytes.increment();
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            super.write(bytes, offset, length);
            this.bytes.add(length);
        }
    }
}
