package dev.anyrouter.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.config.UpstreamConfig;
import dev.anyrouter.routing.Route;
import jakarta.ws.rs.ProcessingException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.URI;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/** Failures of the gateway itself are told from the upstream's, however deeply they are wrapped. */
class LocalFailuresTest {

    private static final Route ROUTE = new Route(new UpstreamConfig("openai", URI.create("http://a/v1"),
            Optional.empty(), "openai"), "openai/gpt-4o", "gpt-4o");

    @Test
    void runningOutOfFileDescriptorsMemoryOrExecutorsIsLocal() {
        assertThat(LocalFailures.local(new ProcessingException(new IOException("Too many open files")))).isTrue();
        assertThat(LocalFailures.local(new ProcessingException(new SocketException("Too many open files in system"))))
                .isTrue();
        assertThat(LocalFailures.local(new ProcessingException(new RejectedExecutionException("full")))).isTrue();
        assertThat(LocalFailures.local(new ProcessingException("x", new RuntimeException(new OutOfMemoryError()))))
                .isTrue();
    }

    @Test
    void theUpstreamsFailuresAreNot() {
        assertThat(LocalFailures.local(new ProcessingException(new ConnectException("Connection refused"))))
                .isFalse();
        assertThat(LocalFailures.local(new ProcessingException(new IOException("Connection reset by peer"))))
                .isFalse();
        assertThat(LocalFailures.local(new ProcessingException("no cause"))).isFalse();
    }

    @Test
    void aLocalFailureIsA503ThatIsNotRetriedAndKeepsItsCause() {
        ProcessingException emfile = new ProcessingException(new IOException("Too many open files"));

        GatewayException local = UpstreamClient.failure(ROUTE, emfile);
        GatewayException refused = UpstreamClient.failure(ROUTE, new ProcessingException(new ConnectException("x")));

        assertThat(local.status()).isEqualTo(503);
        assertThat(local.retryable()).isFalse();
        assertThat(local.retryAfter()).contains("1");
        assertThat(LocalFailures.local(local)).isTrue();
        assertThat(LocalFailures.rootCause(local)).isEqualTo("java.io.IOException: Too many open files");
        assertThat(refused.status()).isEqualTo(502);
        assertThat(LocalFailures.local(refused)).isFalse();
    }
}
