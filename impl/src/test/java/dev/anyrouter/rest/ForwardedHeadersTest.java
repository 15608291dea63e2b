package dev.anyrouter.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.WireApis;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which client headers reach which upstream, and what a header's value may be (docs/api.md, headers). */
class ForwardedHeadersTest {

    private static final String TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    @Test
    void traceHeadersReachEveryUpstreamAndAnthropicBetaOnlyAnthropic() {
        MultivaluedMap<String, String> request = new MultivaluedHashMap<>();
        request.putSingle("traceparent", TRACEPARENT);
        request.putSingle("tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
        request.putSingle("x-request-id", "req-42");
        request.add("anthropic-beta", "prompt-caching-2024-07-31");
        request.add("anthropic-beta", "output-128k-2025-02-19");
        request.putSingle("authorization", "Bearer ar-client-key");
        request.putSingle("x-api-key", "ar-client-key");
        request.putSingle("openai-organization", "org-1");

        Map<String, String> forwarded = ForwardedHeaders.of(request);

        Map<String, String> trace = Map.of("traceparent", TRACEPARENT,
                "tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", "x-request-id", "req-42");
        assertThat(ForwardedHeaders.to(WireApis.named("openai").orElseThrow(), forwarded))
                .containsExactlyInAnyOrderEntriesOf(trace);
        assertThat(ForwardedHeaders.to(WireApis.named("anthropic").orElseThrow(), forwarded))
                .containsAllEntriesOf(trace).hasSize(4)
                .containsEntry("anthropic-beta", "prompt-caching-2024-07-31,output-128k-2025-02-19");
    }

    @Test
    void noHeadersNothingForwarded() {
        assertThat(ForwardedHeaders.of(new MultivaluedHashMap<>())).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "traceparent|00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333-01|traceparent header: '00-0af7",
        "traceparent|00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01|(expected: a W3C traceparent",
        "x-request-id|id with spaces|x-request-id header: 'id with spaces' (expected: 1 to 128 letters",
        "x-request-id|é|x-request-id header: '?'",
        "anthropic-beta|Prompt_Caching|anthropic-beta header: 'Prompt_Caching' (expected: up to 16 comma-separated",
        "anthropic-beta|a;b|anthropic-beta header",
        "tracestate|a=\u0001b|tracestate header: 'a=?b'",
    })
    void refusesAValueItWouldNotSendOnWithA400(String name, String value, String message) {
        MultivaluedMap<String, String> request = new MultivaluedHashMap<>();
        request.putSingle(name, value);

        assertThatThrownBy(() -> ForwardedHeaders.of(request))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining(message);
    }

    @Test
    void refusesATraceparentSentTwice() {
        MultivaluedMap<String, String> request = new MultivaluedHashMap<>();
        request.add("traceparent", TRACEPARENT);
        request.add("traceparent", TRACEPARENT);

        assertThatThrownBy(() -> ForwardedHeaders.of(request)).isInstanceOf(GatewayException.class)
                .hasMessageContaining("once");
    }

    @Test
    void refusesALongRequestId() {
        MultivaluedMap<String, String> request = new MultivaluedHashMap<>();
        request.putSingle("x-request-id", "r".repeat(129));

        assertThatThrownBy(() -> ForwardedHeaders.of(request)).isInstanceOf(GatewayException.class)
                .hasMessageContaining("rrr…' (expected: 1 to 128");
    }
}
