package dev.anyrouter.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyrouter.config.Endpoint;
import dev.anyrouter.config.Secret;
import dev.anyrouter.config.UpstreamConfig;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UpstreamApisTest {

    private static final Optional<Secret> KEY = Optional.of(Secret.of("k-1"));

    private static UpstreamConfig provider(String api, Optional<String> version) {
        return new UpstreamConfig("p", List.of(new Endpoint(URI.create("http://u"), KEY)),
                UpstreamConfig.WIRE_APIS.get(api), api, Map.of(), List.of(), version);
    }

    @Test
    void everyConfigurableApiHasItsStrategy() {
        assertThat(UpstreamApis.names()).containsExactlyInAnyOrderElementsOf(UpstreamConfig.WIRE_APIS.keySet());
    }

    @Test
    void eachApiHasItsPathAndKeyHeader() {
        UpstreamApi openAi = UpstreamApis.of(provider("openai", Optional.empty()));
        UpstreamApi anthropic = UpstreamApis.of(provider("anthropic", Optional.empty()));

        assertThat(openAi.path(provider("openai", Optional.empty()), "gpt-4o")).isEqualTo("chat/completions");
        assertThat(openAi.headers(KEY)).containsExactly(Map.entry("Authorization", "Bearer k-1"));
        assertThat(anthropic.path(provider("anthropic", Optional.empty()), "c")).isEqualTo("v1/messages");
        assertThat(anthropic.headers(KEY)).containsOnly(Map.entry("x-api-key", "k-1"),
                Map.entry("anthropic-version", UpstreamClient.ANTHROPIC_VERSION));
    }

    @Test
    void azureNamesTheDeploymentInThePathAndSendsTheKeyAsApiKeyOnly() {
        UpstreamConfig azure = provider("azure-openai", Optional.of("2024-10-21"));
        UpstreamApi api = UpstreamApis.of(azure);

        assertThat(api.path(azure, "gpt-4o-prod")).isEqualTo(
                "openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21");
        assertThat(api.path(azure, "a/b {x}")).isEqualTo(
                "openai/deployments/a%2Fb%20%7Bx%7D/chat/completions?api-version=2024-10-21");
        assertThat(api.pathNamesModel()).isTrue();
        assertThat(api.headers(KEY)).containsExactly(Map.entry("api-key", "k-1"));
    }

    @Test
    void azureContentFilterErrorsBlameTheRequestAndNameTheFilter() throws Exception {
        UpstreamApi api = UpstreamApis.of(provider("azure-openai", Optional.of("2024-10-21")));
        var body = new ObjectMapper().readTree("""
                {"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content \
                management policy.","type":null,"param":"prompt","code":"content_filter","status":400,
                "innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"hate":{"filtered":true,
                "severity":"high"}}}}}""");

        assertThat(api.message(body)).contains("content_filter: The response was filtered due to the prompt "
                + "triggering Azure OpenAI's content management policy. (ResponsibleAIPolicyViolation)");
        assertThat(api.requestsFault(body)).isTrue();
    }
}
