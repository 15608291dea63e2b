package dev.anyrouter.rest;

import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.relay.ClientOutput;
import dev.anyrouter.relay.OpenCount;
import dev.anyrouter.store.ClientKey;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.time.Duration;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The one servlet filter in front of the Jersey servlet. It gives each request its {@link RequestState} and the
 * application a {@link ResponseOutput} over the container's stream, and sees each request end: when the chain
 * returns, or, for a request that went asynchronous (every relayed request), when the container ends its cycle.
 * Then it ends the cycle's {@link AsyncEnd} first (no thread of the request writes after it), counts the request
 * ({@code anyrouter_requests_total}, for the two completion APIs and embeddings) and ends its access-log line.
 *
 * <p>Every POST body AnyRouter accepts is JSON, whatever Content-Type the client declared: curl's {@code -d} sends a
 * form type, and a malformed type would make Jersey's servlet layer answer an HTML 400 before any of our error
 * handling runs. So a POST reaches Jersey as JSON.
 *
 * <p>The servlet specification allows {@code AsyncContext.addListener} only during the container's dispatch that
 * started async, which is where this filter adds its listener; Payara enforces that rule. There too it gives the
 * request a container timeout ({@link #asyncTimeout}).
 */
public final class GatewayFilter implements Filter {

    /** The meters' name of each relayed API, by its path within the Jersey servlet. */
    private static final Map<String, String> API_NAMES = Map.of("/" + CompletionsResource.CHAT, "chat",
            "/" + CompletionsResource.MESSAGES, "messages", "/" + CompletionsResource.RESPONSES, "responses",
            "/" + CompletionsResource.EMBEDDINGS, "embeddings");

    private static final String JSON = "application/json";

    private final AnyRouter engine;
    /** Requests that began here and whose end has not been seen yet. */
    private final OpenCount open = new OpenCount();
    /**
     * The container's own timeout for a request that went asynchronous, in milliseconds: a backstop a day past the
     * longest a request may take (the total timeout). Jersey asks the container for none, and Tomcat times out every
     * asynchronous request without one as soon as its context begins to stop: that cut the streams a drain lets
     * finish, about 2 s into the grace (docs/deploying.md).
     */
    private final long asyncTimeout;

    public GatewayFilter(AnyRouter engine) {
        this.engine = engine;
        this.asyncTimeout = engine.config().timeouts().total().plus(Duration.ofDays(1)).toMillis();
    }

    /** Requests that began and have not ended yet. */
    public int open() {
        return open.get();
    }

    /**
     * Waits up to {@code wait} until every request that began has ended (its response complete); false if some
     * are still open. At shutdown, once the relays are drained, the simulated upstream's responses may still be
     * ending, and Jersey must not shut down under them.
     */
    public boolean awaitEnded(Duration wait) {
        return open.awaitNone(wait);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest http) || !(response instanceof HttpServletResponse out)) {
            chain.doFilter(request, response);
            return;
        }
        open.opened();
        Ended ended = new Ended(http, out);
        ended.state.attach(http);
        try {
            chain.doFilter("POST".equals(http.getMethod()) ? new AsJson(http) : http, ended.response);
        } finally {
            if (!listening(http, ended, asyncTimeout)) {
                ended.end();
            }
        }
    }

    /**
     * True when the request went asynchronous and {@code ended} will hear of its end; it then times out after
     * {@code timeoutMillis}.
     */
    private static boolean listening(HttpServletRequest request, Ended ended, long timeoutMillis) {
        if (!request.isAsyncStarted()) {
            return false;
        }
        try {
            AsyncContext async = request.getAsyncContext();
            async.setTimeout(timeoutMillis);
            async.addListener(ended);
            return true;
        } catch (IllegalStateException completedMeanwhile) {
            return false;
        }
    }

    /** One request's end, whichever way the container reports it; the log line is ended once. */
    private final class Ended implements AsyncListener {
        private final HttpServletRequest request;
        private final HttpServletResponse response;
        private final LongAdder bytes = new LongAdder();
        private final AsyncEnd asyncEnd = new AsyncEnd();
        private final RequestState state;
        private final AtomicBoolean logged = new AtomicBoolean();

        Ended(HttpServletRequest request, HttpServletResponse response) {
            this.request = request;
            ClientOutput hold = new ClientOutput();
            this.state = new RequestState(engine.accessLog().start(request.getMethod(), request.getRequestURI()),
                    hold, asyncEnd);
            this.response = new HttpServletResponseWrapper(response) {
                private ServletOutputStream output;

                @Override
                public synchronized ServletOutputStream getOutputStream() throws IOException {
                    if (output == null) {
                        output = new ResponseOutput(super.getOutputStream(), asyncEnd, hold, bytes);
                    }
                    return output;
                }
            };
        }

        void end() {
            asyncEnd.end();
            if (!logged.compareAndSet(false, true)) {
                return;
            }
            open.closed();
            int status = response.getStatus();
            Boolean stream = state.stream();
            // The path within the Jersey servlet, wherever it is mounted ("/*" or "/llm/*").
            String api = API_NAMES.get(V1PathFilter.apiPath(request.getPathInfo() == null ? ""
                    : request.getPathInfo()));
            if (api != null) {
                engine.metrics().request(api, stream, status);
            }
            ClientKey key = state.key();
            state.entry().responded(status, bytes.sum(), key == null ? null : key.id(),
                    state.model(), stream, state.generationId());
        }

        @Override
        public void onComplete(AsyncEvent event) {
            end();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            asyncEnd.end(); // the container completes the request next, and the log line ends then
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

    /** A POST as JSON, whatever Content-Type it declared. */
    private static final class AsJson extends HttpServletRequestWrapper {

        AsJson(HttpServletRequest request) {
            super(request);
        }

        @Override
        public String getContentType() {
            return JSON;
        }

        @Override
        public String getHeader(String name) {
            return "Content-Type".equalsIgnoreCase(name) ? JSON : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return "Content-Type".equalsIgnoreCase(name) ? Collections.enumeration(Collections.singletonList(JSON))
                    : super.getHeaders(name);
        }
    }
}
