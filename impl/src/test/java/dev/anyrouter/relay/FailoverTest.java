package dev.anyrouter.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.accounting.Generation;
import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.config.GatewayConfig;
import dev.anyrouter.config.Price;
import dev.anyrouter.config.Settings;
import dev.anyrouter.json.Json;
import dev.anyrouter.routing.Endpoints;
import dev.anyrouter.routing.Route;
import dev.anyrouter.routing.Router;
import jakarta.ws.rs.ProcessingException;
import java.io.IOException;
import java.net.ConnectException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/** A failure of the gateway itself gives its endpoint no verdict: the breaker stays as it was. */
class FailoverTest {

    /** One endpoint whose breaker opens at 50 % of at least 2 requests; no retries. */
    private static final GatewayConfig CONFIG = GatewayConfig.from(Settings.of(Map.of(
            "ANYROUTER_API_KEYS", "ar-test-key-0123456789", "OPENAI_BASE_URL", "http://upstream.test/v1",
            "OPENAI_API_KEY", "sk-test", "ANYROUTER_BREAKER_MIN_REQUESTS", "2", "ANYROUTER_RETRIES", "0")::get));

    private final Router router = Router.from(CONFIG);
    private final Route route = router.route("openai/gpt-4o");
    private final Endpoints endpoints = router.endpoints(route.upstream());

    private void fail(Throwable cause) {
        GatewayException failure = failureOf(new ProcessingException(cause));
        Generation generation = new Generation("gen-1", "key-1", route, true, Price.parse("0:0", "test"),
                ClientApi.CHAT_COMPLETIONS, Json.read("{}"));
        Target target = new Target(route, "chat/completions", new byte[0], Map.of(), null,
                Price.parse("0:0", "test"));
        Throwable answer = new Failover(router::endpoints, RetryPolicy.of(CONFIG.retry()), generation, Runnable::run)
                .open(List.of(target), (t, endpoint) -> CompletableFuture.failedFuture(failure),
                        wait -> CompletableFuture.completedFuture(true))
                .handle((opened, failed) -> failed).join();
        assertThat(answer).isSameAs(failure);
    }

    /**
     * A failed send as a retryable 502, whatever its cause: Failover must tell a local cause itself, even where
     * the client did not (UpstreamClient makes a local one a 503 that is not retried: LocalFailuresTest).
     */
    private static GatewayException failureOf(ProcessingException e) {
        return GatewayException.upstream(502, ErrorTypes.UPSTREAM, "request failed", Optional.empty(), e, true);
    }

    @Test
    void localFailuresLeaveTheBreakerClosed() {
        for (int i = 0; i < 10; i++) {
            fail(new IOException("Too many open files"));
            fail(new RejectedExecutionException("queue full"));
        }

        assertThat(endpoints.open()).isZero();
    }

    @Test
    void theUpstreamsOwnFailuresOpenIt() {
        for (int i = 0; i < 3; i++) {
            fail(new ConnectException("Connection refused"));
        }

        assertThat(endpoints.open()).isEqualTo(1);
    }
}
