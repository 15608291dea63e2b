package dev.anyrouter.rest;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.WireApi;
import dev.anyrouter.api.spi.WireApis;
import jakarta.ws.rs.core.MultivaluedMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The client's request headers an upstream receives: the trace headers ({@code traceparent}, {@code tracestate},
 * {@code X-Request-Id}) to every upstream, and those a wire API takes ({@link WireApi#clientHeaders}, such as
 * {@code anthropic-beta}) to its upstreams. No other client header reaches an upstream, the client's key least of
 * all. Each value is checked (its length and characters) before it is sent on; a bad one is a 400 naming the
 * header (docs/api.md, headers).
 */
final class ForwardedHeaders {

    /** Headers every upstream receives, each with the values it may take. */
    private static final Map<String, Pattern> TRACE = Map.of(
            // W3C Trace Context: version-trace id-parent id-flags, lower-case hex
            "traceparent", Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}"),
            // W3C Trace Context: at most 32 list members, 512 characters in practice; printable ASCII
            "tracestate", Pattern.compile("[\\x20-\\x7e]{1,512}"),
            "x-request-id", Pattern.compile("[A-Za-z0-9._:/+=@-]{1,128}"));
    /** Comma-separated feature names, as {@code anthropic-beta} lists them. */
    private static final Pattern FEATURES = Pattern.compile("[a-z0-9-]{1,64}( *, *[a-z0-9-]{1,64}){0,15}");
    /** The headers of wire APIs' own, each name lower case. */
    private static final Set<String> WIRE_HEADERS = wireHeaders();

    private ForwardedHeaders() {
    }

    /** The headers the gateway forwards that the client sent, lower-case names, checked. */
    static Map<String, String> of(MultivaluedMap<String, String> request) {
        Map<String, String> headers = new LinkedHashMap<>();
        TRACE.forEach((name, values) -> value(request, name, values).ifPresent(value -> headers.put(name, value)));
        for (String name : WIRE_HEADERS) {
            value(request, name, FEATURES).ifPresent(value -> headers.put(name, value));
        }
        return Map.copyOf(headers);
    }

    /** Those of {@code headers} that an upstream speaking {@code api} receives. */
    static Map<String, String> to(WireApi api, Map<String, String> headers) {
        Map<String, String> forwarded = new LinkedHashMap<>();
        headers.forEach((name, value) -> {
            if (TRACE.containsKey(name) || api.clientHeaders().contains(name)) {
                forwarded.put(name, value);
            }
        });
        return forwarded;
    }

    private static Optional<String> value(MultivaluedMap<String, String> request, String name,
            Pattern allowed) {
        List<String> values = request.get(name);
        if (values == null || values.isEmpty()) {
            return Optional.empty();
        }
        String value = String.join(",", values).strip();
        if (!allowed.matcher(value).matches()) {
            throw GatewayException.badRequest(name + " header: " + describe(value) + " (expected: " + expected(name)
                    + ")");
        }
        return Optional.of(value);
    }

    private static String expected(String name) {
        return switch (name) {
            case "traceparent" -> "a W3C traceparent, 00-<32 hex>-<16 hex>-<2 hex>, once";
            case "tracestate" -> "1 to 512 printable ASCII characters";
            case "x-request-id" -> "1 to 128 letters, digits or ._:/+=@-, once";
            default -> "up to 16 comma-separated names of lower-case letters, digits and -";
        };
    }

    /** The value as a client may see it again: cut short, and nothing but printable ASCII. */
    private static String describe(String value) {
        String shown = value.length() > 60 ? value.substring(0, 60) + "…" : value;
        return "'" + shown.replaceAll("[^\\x20-\\x7e…]", "?") + "'";
    }

    private static Set<String> wireHeaders() {
        Set<String> names = new TreeSet<>();
        for (String api : WireApis.names()) {
            WireApis.named(api).ifPresent(wire -> wire.clientHeaders()
                    .forEach(name -> names.add(name.toLowerCase(Locale.ROOT))));
        }
        return names;
    }
}
