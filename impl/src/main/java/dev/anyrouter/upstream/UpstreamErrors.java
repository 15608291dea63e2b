package dev.anyrouter.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.WireApi;
import dev.anyrouter.json.Json;
import dev.anyrouter.routing.Verdict;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * Turns an upstream's error answer into the error the client sees. The client's own mistakes keep their status;
 * rate limits and overloads (503, Anthropic's 529: a 503 here) keep {@code Retry-After}; credential problems are the gateway's and never show the upstream's text
 * (it can quote part of the provider key); everything else is a 502, or a 504 for an upstream timeout.
 */
public final class UpstreamErrors {

    private static final int BODY_LIMIT = 64 * 1024;

    private UpstreamErrors() {
    }

    /** An upstream's error answer: what the client gets, and what it says of the endpoint's health. */
    public record Refused(GatewayException error, Verdict verdict) {
    }

    /** The error for a non-2xx upstream response, and its verdict, once (part of) its body arrived. */
    public static CompletableFuture<Refused> of(UpstreamCall call) {
        CompletableFuture<String> text;
        try {
            text = call.text(BODY_LIMIT);
        } catch (RuntimeException e) {
            text = CompletableFuture.failedFuture(e);
        }
        return text.handle((read, failure) -> of(call, failure == null ? json(read) : null));
    }

    private static Refused of(UpstreamCall call, JsonNode body) {
        int status = call.status();
        String provider = call.route().upstream().name();
        WireApi api = call.route().upstream().wire();
        String detail = Optional.ofNullable(body).flatMap(api::message).map(m -> ": " + call.route().scrub(m))
                .orElse("");
        GatewayException error = switch (status) {
            case 400, 404, 409, 413, 422 -> GatewayException.upstream(status, ErrorTypes.INVALID_REQUEST,
                    "upstream '" + provider + "' rejected the request (HTTP " + status + ")" + detail,
                    Optional.empty(), null, false);
            case 401, 403 -> GatewayException.upstream(502, ErrorTypes.UPSTREAM,
                    "upstream '" + provider + "' rejected the gateway's credentials (HTTP " + status + ")",
                    Optional.empty(), null, false);
            case 429 -> GatewayException.upstream(429, ErrorTypes.RATE_LIMIT,
                    "upstream '" + provider + "' is rate limiting" + detail,
                    Optional.ofNullable(call.header("Retry-After")), null, true);
            case 503, 529 -> GatewayException.upstream(503, ErrorTypes.OVERLOADED,
                    "upstream '" + provider + "' is overloaded (HTTP " + status + ")" + detail,
                    Optional.ofNullable(call.header("Retry-After")), null, true);
            case 408, 504 -> GatewayException.upstream(504, ErrorTypes.TIMEOUT,
                    "upstream '" + provider + "' timed out (HTTP " + status + ")" + detail, Optional.empty(), null,
                    true);
            default -> GatewayException.upstream(502, ErrorTypes.UPSTREAM,
                    "upstream '" + provider + "' failed (HTTP " + status + ")" + detail, Optional.empty(), null,
                    status >= 500);
        };
        return new Refused(error, verdict(status, body != null && api.requestsFault(body), error));
    }

    /**
     * What an error answer says of the endpoint's health: a 4xx, or an error whose body blames the request (whatever
     * its status), is an answer; a 429 a rate limit; 502, 503, 504 and 529 the endpoint's failure; any other 5xx
     * suspect (the request's fault or the endpoint's).
     */
    static Verdict verdict(int status, boolean requestsFault, GatewayException error) {
        if (requestsFault || contextLength(error)) {
            return Verdict.ANSWERED;
        }
        return switch (status) {
            case 429 -> Verdict.RATE_LIMITED;
            case 502, 503, 504, 529 -> Verdict.FAILED;
            default -> status >= 500 ? Verdict.SUSPECT : Verdict.ANSWERED;
        };
    }

    /** {@code Retry-After} in seconds (its HTTP-date form is not used by model APIs). */
    public static Optional<Duration> retryAfter(GatewayException error) {
        try {
            return error.retryAfter().map(value -> Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim()))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether a refused request might fit another model: the upstream said the prompt is too long for this one's
     * context window.
     */
    public static boolean contextLength(GatewayException e) {
        String message = e.getMessage().toLowerCase(java.util.Locale.ROOT);
        return e.status() == 400 && (message.contains("context_length") || message.contains("context length")
                || message.contains("context window") || message.contains("prompt is too long"));
    }

    /** The error for a body that broke off mid-stream: 504 when the upstream went silent too long, else 502. */
    public static GatewayException brokenStream(UpstreamCall call, IOException failure) {
        String provider = call.route().upstream().name();
        if (failure instanceof JettyConnector.TooLarge) {
            return GatewayException.upstream("upstream '" + provider + "': " + failure.getMessage(), failure);
        }
        if (timeout(failure)) {
            return GatewayException.upstream(504, ErrorTypes.TIMEOUT, "upstream '" + provider
                    + "' went silent mid-stream", Optional.empty(), failure, false);
        }
        return GatewayException.upstream("upstream '" + provider + "' connection failed mid-stream", failure);
    }

    /** True when a timeout is somewhere in the cause chain. */
    static boolean timeout(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException || t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** The error body as JSON, or {@code null} when it is not JSON. */
    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
