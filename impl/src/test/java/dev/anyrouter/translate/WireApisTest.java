package dev.anyrouter.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.spi.ClientApi;
import dev.anyrouter.api.spi.WireApi;
import dev.anyrouter.api.spi.WireApis;
import dev.anyrouter.config.Endpoint;
import dev.anyrouter.config.UpstreamConfig;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The built-in wire APIs, as the table of {@link WireApis} finds them on the class path. */
class WireApisTest {

    private static final Optional<String> KEY = Optional.of("k-1");

    private static UpstreamConfig provider(String api, Optional<String> version) {
        return new UpstreamConfig("p", List.of(new Endpoint(URI.create("http://u"), Optional.empty())), api, Map.of(),
                List.of(), version, false);
    }

    @Test
    void theBuiltInApisServeBothClientApis() {
        assertThat(WireApis.names()).contains("openai", "anthropic", "azure-openai");
        assertThat(WireApis.pairs()).contains("chat-completions -> anthropic", "messages -> anthropic",
                "chat-completions -> azure-openai", "messages -> azure-openai", "chat-completions -> openai",
                "messages -> openai");
    }

    @Test
    void anUnknownApiIsRefusedWithTheSupportedPairs() {
        assertThatThrownBy(() -> WireApis.plan(ClientApi.MESSAGES, "bedrock", Fixtures.object("{}"), Fixtures.OPENAI,
                Fixtures.generation(Fixtures.OPENAI, false)))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining("cannot serve messages requests").hasMessageContaining("messages -> openai");
    }

    @Test
    void eachApiHasItsPathAndKeyHeader() {
        WireApi openAi = provider("openai", Optional.empty()).wire();
        WireApi anthropic = provider("anthropic", Optional.empty()).wire();

        assertThat(openAi.path(provider("openai", Optional.empty()), "gpt-4o")).isEqualTo("chat/completions");
        assertThat(openAi.headers(KEY)).containsExactly(Map.entry("Authorization", "Bearer k-1"));
        assertThat(anthropic.path(provider("anthropic", Optional.empty()), "c")).isEqualTo("v1/messages");
        assertThat(anthropic.headers(KEY)).containsOnly(Map.entry("x-api-key", "k-1"),
                Map.entry("anthropic-version", "2023-06-01"));
    }

    @Test
    void azureNamesTheDeploymentInThePathAndSendsTheKeyAsApiKeyOnly() {
        UpstreamConfig azure = provider("azure-openai", Optional.of("2024-10-21"));
        WireApi api = azure.wire();

        assertThat(api.path(azure, "gpt-4o-prod")).isEqualTo(
                "openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21");
        assertThat(api.path(azure, "a/b {x}")).isEqualTo(
                "openai/deployments/a%2Fb%20%7Bx%7D/chat/completions?api-version=2024-10-21");
        assertThat(api.pathNamesModel()).isTrue();
        assertThat(api.headers(KEY)).containsExactly(Map.entry("api-key", "k-1"));
    }

    @Test
    void azureContentFilterErrorsBlameTheRequestAndNameTheFilter() throws Exception {
        WireApi api = provider("azure-openai", Optional.of("2024-10-21")).wire();
        var body = new ObjectMapper().readTree("""
                {"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's content \
                management policy.","type":null,"param":"prompt","code":"content_filter","status":400,
                "innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{"hate":{"filtered":true,
                "severity":"high"}}}}}""");

        assertThat(api.message(body)).contains("content_filter: The response was filtered due to the prompt "
                + "triggering Azure OpenAI's content management policy. (ResponsibleAIPolicyViolation)");
        assertThat(api.requestsFault(body)).isTrue();
    }

    @Test
    void embeddingsGoToTheOpenAiCompatibleApisOwnPathAndNotToAnthropic() {
        UpstreamConfig openAi = provider("openai", Optional.empty());
        UpstreamConfig azure = provider("azure-openai", Optional.of("2024-10-21"));
        UpstreamConfig anthropic = provider("anthropic", Optional.empty());

        assertThat(WireApis.pairs()).contains("embeddings -> openai", "embeddings -> azure-openai")
                .doesNotContain("embeddings -> anthropic");
        assertThat(openAi.wire().path(ClientApi.EMBEDDINGS, openAi, "text-embedding-3-small")).isEqualTo("embeddings");
        assertThat(openAi.wire().path(ClientApi.CHAT_COMPLETIONS, openAi, "gpt-4o")).isEqualTo("chat/completions");
        assertThat(azure.wire().path(ClientApi.EMBEDDINGS, azure, "emb-prod"))
                .isEqualTo("openai/deployments/emb-prod/embeddings?api-version=2024-10-21");
        assertThat(anthropic.wire().path(ClientApi.MESSAGES, anthropic, "c")).isEqualTo("v1/messages");
        assertThatThrownBy(() -> WireApis.plan(ClientApi.EMBEDDINGS, "anthropic", Fixtures.object("{}"),
                Fixtures.ANTHROPIC, Fixtures.generation(Fixtures.ANTHROPIC, false)))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessageContaining("provider 'anthropic' speaks the 'anthropic' API, which cannot serve "
                        + "embeddings requests");
    }

    @Test
    void onlyAnthropicCountsTokensItself() {
        assertThat(provider("anthropic", Optional.empty()).wire().countTokensPath())
                .contains("v1/messages/count_tokens");
        assertThat(provider("openai", Optional.empty()).wire().countTokensPath()).isEmpty();
        assertThat(provider("azure-openai", Optional.of("v")).wire().countTokensPath()).isEmpty();
    }
}
