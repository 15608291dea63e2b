package dev.anyrouter.upstream;

import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.core.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.util.thread.Scheduler;
import org.glassfish.jersey.client.ClientRequest;
import org.glassfish.jersey.client.ClientResponse;
import org.glassfish.jersey.client.spi.AsyncConnectorCallback;
import org.glassfish.jersey.client.spi.Connector;
import org.glassfish.jersey.message.internal.Statuses;

/**
 * A Jersey client {@link Connector} on Jetty's {@link HttpClient} that streams the response body and can abort the
 * exchange from another thread at any point. Of the published connectors, the default one cannot abort a blocked
 * read, Jersey's Jetty connector buffers whole responses, Apache's cannot abort before the headers arrive and the
 * JDK one's client cannot be stopped on JDK 17, which leaks its threads on undeploy (docs/decisions/upstream-connector.md).
 *
 * <p>The body is not an input stream a thread blocks on: a stream's events are taken from Jetty's content source
 * as they arrive ({@link JettyBody}, reached through the {@link UpstreamBody} request property), and only a
 * non-streamed answer or an error body is read as Jersey's entity stream. Aborting: an {@link Abort} switch passed
 * as a request property aborts the Jetty request in any phase; closing the entity stream before the body ended
 * aborts it too.
 */
final class JettyConnector implements Connector {

    private final HttpClient http;
    private final Duration headerTimeout;

    JettyConnector(HttpClient http, Duration headerTimeout) {
        this.http = http;
        this.headerTimeout = headerTimeout;
    }

    /** Blocking: Jersey's synchronous invocation, which the gateway does not use (see {@link UpstreamClient}). */
    @Override
    public ClientResponse apply(ClientRequest request) {
        CompletableFuture<ClientResponse> response = new CompletableFuture<>();
        apply(request, new AsyncConnectorCallback() {
            @Override
            public void response(ClientResponse answer) {
                response.complete(answer);
            }

            @Override
            public void failure(Throwable failure) {
                response.completeExceptionally(failure);
            }
        });
        try {
            return response.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProcessingException("interrupted while waiting for the response", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof ProcessingException p ? p : new ProcessingException(e.getCause());
        }
    }

    /**
     * Sends the request and returns at once: {@code callback} hears of the response headers or the failure on one
     * of the Jetty client's threads, within the header timeout (else the exchange is aborted).
     */
    @Override
    public Future<?> apply(ClientRequest request, AsyncConnectorCallback callback) {
        Request exchange = http.newRequest(request.getUri()).method(request.getMethod());
        HttpVersion version = request.resolveProperty(UpstreamClient.HTTP_VERSION, HttpVersion.class);
        if (version != null) {
            exchange.version(version); // h2c's prior knowledge (UpstreamClient); else ALPN or HTTP/1.1 decide
        }
        // put, not add: a header Jetty sets on every request (its User-Agent) is replaced, never sent twice
        request.getStringHeaders().forEach((name, values) -> exchange.headers(headers -> headers.put(name, values)));
        if (request.hasEntity()) {
            exchange.body(new OnceContent(request.getHeaderString(HttpHeaders.CONTENT_TYPE), entity(request)));
        }
        UpstreamBody body = request.resolveProperty(UpstreamBody.PROPERTY, UpstreamBody.class);
        if (body != null) {
            // Its head has been written, with the body the gateway sends in the same write: the upstream has the
            // prompt. Not the request-success event, which comes a moment later and which an abort in between
            // (the client leaving) turns into a failure although the upstream read the whole request.
            exchange.onRequestCommit(sent -> body.sent());
        }
        JettyBody received = new JettyBody(exchange, body == null ? new UpstreamBody(() -> { }, 0, 0) : body,
                http.getScheduler());
        Abort abort = request.resolveProperty(Abort.PROPERTY, Abort.class);
        if (abort != null) {
            abort.onAbort(received::abort); // in any phase: the headers' wait and every read fail at once
        }
        Scheduler.Task timeout = http.getScheduler().schedule(() -> exchange.abort(new TimeoutException(
                "no response headers within " + headerTimeout.toMillis() + " ms")), headerTimeout.toMillis(),
                TimeUnit.MILLISECONDS);
        CompletableFuture<ClientResponse> answered = received.headers().handle((response, failure) -> {
            timeout.cancel();
            if (failure != null) {
                callback.failure(new ProcessingException(failure.getMessage(), failure));
                return null;
            }
            ClientResponse answer = new ClientResponse(Statuses.from(response.getStatus(), response.getReason()),
                    request);
            response.getHeaders().forEach(field -> answer.getHeaders().add(field.getName(), field.getValue()));
            answer.setEntityStream(received.stream());
            callback.response(answer);
            return answer;
        });
        exchange.send(received);
        return answered;
    }

    @Override
    public String getName() {
        return "AnyRouter Jetty HttpClient connector";
    }

    @Override
    public void close() {
        // the HttpClient belongs to UpstreamClient, which stops it
    }

    private static byte[] entity(ClientRequest request) {
        if (request.getEntity() instanceof byte[] ready) {
            return ready; // the gateway's own bodies: no trip through Jersey's writers
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        request.setStreamProvider(contentLength -> bytes);
        try {
            request.writeEntity();
        } catch (IOException e) {
            throw new ProcessingException("the request entity cannot be written", e);
        }
        return bytes.toByteArray();
    }

    /** An upstream body over its limits ({@code ANYROUTER_MAX_EVENT_BYTES}, {@code ANYROUTER_MAX_STREAM_BYTES}). */
    static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        TooLarge(String what) {
            super("the upstream sent " + what);
        }
    }
}
