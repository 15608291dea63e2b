package dev.anyrouter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvidersConfigTest {

    @TempDir
    Path dir;

    private Settings file(String yaml) throws IOException {
        return ConfigFile.load(Files.writeString(dir.resolve("anyrouter.yaml"), yaml));
    }

    private static GatewayConfig from(Map<String, String> values) {
        return GatewayConfig.from(Settings.of(values::get));
    }

    @Test
    void readsAnyNumberOfNamedProvidersFromTheFile() throws IOException {
        GatewayConfig config = GatewayConfig.from(file("""
                providers:
                  mine: {api: openai, base_url: https://llm.internal/v1, api_key: sk-mine, headers: {X-Team: a}, models: [small-1, large-2]}
                  azure: {api: azure-openai, base_url: https://res.openai.azure.com, api_key: az-key}
                  claude2: {api: anthropic, base_url: https://api.anthropic.com, api_keys: [sk-ant-1, sk-ant-2]}
                routes:
                  fast: [mine/broken-model, claude2/claude-haiku]
                default_provider: mine
                """));

        assertThat(config.upstreams()).extracting(UpstreamConfig::name).containsExactly("azure", "claude2", "mine");
        UpstreamConfig mine = config.provider("mine").orElseThrow();
        assertThat(mine.wireApi()).isEqualTo("openai");
        assertThat(mine.headers()).containsExactly(Map.entry("X-Team", "a"));
        assertThat(mine.models()).containsExactly("small-1", "large-2");
        assertThat(mine.endpoints()).extracting(e -> e.baseUri().toString(), e -> e.apiKey().orElseThrow().reveal())
                .containsExactly(tuple("https://llm.internal/v1", "sk-mine"));
        UpstreamConfig azure = config.provider("azure").orElseThrow();
        assertThat(azure.wireApi()).isEqualTo("azure-openai");
        assertThat(azure.apiVersion()).contains(ProvidersConfig.AZURE_API_VERSION);
        assertThat(config.provider("claude2").orElseThrow().wireApi()).isEqualTo("anthropic");
        assertThat(config.provider("claude2").orElseThrow().endpoints()).hasSize(2);
        assertThat(config.providers().routes()).containsExactly(
                Map.entry("fast", List.of("mine/broken-model", "claude2/claude-haiku")));
        assertThat(config.providers().defaultProvider()).contains("mine");
        assertThat(config.offline()).isFalse();
        assertThat(config.toString()).doesNotContain("sk-mine", "az-key", "sk-ant-1");
    }

    @Test
    void theEnvironmentWinsOverAProvidersKeysInTheFile() throws IOException {
        Settings settings = Settings.of(Map.of("MINE_API_KEY", "sk-env", "OPENAI_BASE_URL", "http://env/v1")::get)
                .orElse(file("""
                        providers:
                          mine: {base_url: https://llm.internal/v1, api_key: sk-file}
                          openai: {api_key: sk-openai-file, base_url: http://file/v1}
                        """));

        GatewayConfig config = GatewayConfig.from(settings);

        assertThat(config.provider("mine").orElseThrow().endpoints().get(0).apiKey().orElseThrow().reveal())
                .isEqualTo("sk-env");
        assertThat(config.provider("openai").orElseThrow().endpoints()).extracting(e -> e.baseUri().toString(),
                e -> e.apiKey().orElseThrow().reveal()).containsExactly(tuple("http://env/v1", "sk-openai-file"));
    }

    @Test
    void aPresetIsEnabledByItsKeyAtItsPublicBaseUrlWhichItsBaseUrlOverrides() {
        GatewayConfig config = from(Map.of("GROQ_API_KEY", "gsk", "DEEPSEEK_API_KEY", "ds",
                "DEEPSEEK_BASE_URL", "http://127.0.0.1:9/v1", "GEMINI_API_KEY", "g", "MISTRAL_BASE_URL", "http://m"));

        assertThat(config.upstreams()).extracting(UpstreamConfig::name).containsExactly("groq", "deepseek", "gemini");
        assertThat(config.provider("groq").orElseThrow().endpoints().get(0).baseUri())
                .hasToString("https://api.groq.com/openai/v1");
        assertThat(config.provider("gemini").orElseThrow().endpoints().get(0).baseUri())
                .hasToString("https://generativelanguage.googleapis.com/v1beta/openai");
        assertThat(config.provider("deepseek").orElseThrow().endpoints().get(0).baseUri())
                .hasToString("http://127.0.0.1:9/v1");
        assertThat(config.provider("mistral")).as("a public preset needs its key").isEmpty();
    }

    @Test
    void everyPresetHasItsPublicBaseUrlAndSpeaksItsApi() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("openai", "https://api.openai.com/v1");
        expected.put("anthropic", "https://api.anthropic.com");
        expected.put("groq", "https://api.groq.com/openai/v1");
        expected.put("deepseek", "https://api.deepseek.com");
        expected.put("mistral", "https://api.mistral.ai/v1");
        expected.put("together", "https://api.together.xyz/v1");
        expected.put("fireworks", "https://api.fireworks.ai/inference/v1");
        expected.put("xai", "https://api.x.ai/v1");
        expected.put("openrouter", "https://openrouter.ai/api/v1");
        expected.put("gemini", "https://generativelanguage.googleapis.com/v1beta/openai");
        expected.put("perplexity", "https://api.perplexity.ai");
        expected.put("cerebras", "https://api.cerebras.ai/v1");
        expected.put("ollama", "http://localhost:11434/v1");
        expected.put("vllm", "http://localhost:8000/v1");
        Map<String, String> keys = new HashMap<>();
        expected.keySet().forEach(name -> keys.put(ProvidersConfig.prefix(name) + "_API_KEY", "k-" + name));

        GatewayConfig config = from(keys);

        Map<String, String> bases = new LinkedHashMap<>();
        config.upstreams().forEach(p -> bases.put(p.name(), p.endpoints().get(0).baseUri().toString()));
        assertThat(bases).containsExactlyEntriesOf(expected);
        assertThat(config.upstreams()).allSatisfy(p -> assertThat(p.wireApi())
                .isEqualTo(p.name().equals("anthropic") ? "anthropic" : "openai"));
    }

    @Test
    void localPresetsNeedNoKey() {
        GatewayConfig config = from(Map.of("OLLAMA_BASE_URL", "http://127.0.0.1:11434/v1", "VLLM_API_KEY", "v"));

        assertThat(config.provider("ollama").orElseThrow().endpoints().get(0).apiKey()).isEmpty();
        assertThat(config.provider("vllm").orElseThrow().endpoints().get(0).baseUri())
                .hasToString("http://localhost:8000/v1");
    }

    @Test
    void offlineIgnoresEveryProvider() throws IOException {
        GatewayConfig config = GatewayConfig.from(file("""
                offline: true
                providers:
                  mine: {base_url: https://llm.internal/v1}
                """));

        assertThat(config.offline()).isTrue();
        assertThat(from(Map.of("GROQ_API_KEY", "g", "ANYROUTER_OFFLINE", "true")).offline()).isTrue();
    }

    @Test
    void aMalformedEntryStopsTheStartNamingTheFileKeyAndExpectedValue() {
        assertThatThrownBy(() -> GatewayConfig.from(file("providers:\n  mine: {api: grpc, base_url: http://a}\n")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("anyrouter.yaml: providers.mine.api: 'grpc' (expected one of: anthropic, azure-openai, "
                        + "openai, openai-responses)");
        assertThatThrownBy(() -> GatewayConfig.from(file("providers:\n  mine: {api_key: k}\n")))
                .hasMessage("anyrouter.yaml: providers.mine.base_url: missing (expected: an http or https URL; only "
                        + "presets have one of their own)");
        assertThatThrownBy(() -> GatewayConfig.from(file("providers:\n  mine: {base_url: 'ftp://a'}\n")))
                .hasMessage("anyrouter.yaml: providers.mine.base_url: 'ftp://a' (expected: an http or https URL)");
        assertThatThrownBy(() -> file("providers:\n  mine: {base_uri: http://a}\n"))
                .hasMessageStartingWith("anyrouter.yaml: providers.mine.base_uri: unknown key (expected one of: api,");
        assertThatThrownBy(() -> file("providers:\n  Mine: {base_url: http://a}\n"))
                .hasMessage("anyrouter.yaml: providers.Mine: not a provider name (expected: 1 to 64 of a-z, 0-9, _ "
                        + "and -)");
        assertThatThrownBy(() -> file("providers:\n  a-b: {}\n  a_b: {}\n"))
                .hasMessage("anyrouter.yaml: providers.a_b: its settings (A_B_*) would be those of 'a-b' (expected: "
                        + "another name)");
        assertThatThrownBy(() -> file("providers:\n  mine: [http://a]\n"))
                .hasMessageStartingWith("anyrouter.yaml: providers.mine: expected a map of its settings");
        assertThatThrownBy(() -> GatewayConfig.from(file(
                "providers:\n  mine: {base_url: http://a, headers: {Authorization: Bearer x}}\n")))
                .hasMessage("anyrouter.yaml: providers.mine.headers: Authorization is set by the gateway (expected: "
                        + "other headers; a key goes in api_key)");
        assertThatThrownBy(() -> GatewayConfig.from(file("providers:\n  mine: {base_url: http://a, "
                + "api_version: '2024-10-21'}\n")))
                .hasMessage("anyrouter.yaml: providers.mine.api_version: set for api 'openai' (expected: only with "
                        + "api azure-openai)");
        assertThatThrownBy(() -> GatewayConfig.from(file("providers:\n  mine: {base_url: http://a}\n"
                + "routes:\n  fast: [mine/a, groq/b]\n")))
                .hasMessage("anyrouter.yaml: routes: fast: 'groq/b' names provider 'groq', which is not configured "
                        + "(expected one of: mine)");
        assertThatThrownBy(() -> GatewayConfig.from(file("providers:\n  mine: {base_url: http://a}\n"
                + "default_provider: groq\n")))
                .hasMessage("anyrouter.yaml: default_provider: 'groq' is not a configured provider (expected one of: "
                        + "mine)");
        assertThatThrownBy(() -> file("routes:\n  fast: mine/a\n"))
                .hasMessage("anyrouter.yaml: routes.fast: expected a non-empty list of provider/model");
    }

    @Test
    void h2cIsAProviderSettingForCleartextEndpointsOnly() throws IOException {
        GatewayConfig config = GatewayConfig.from(file("providers:\n"
                + "  local: {base_url: 'http://a:8000/v1', h2c: true}\n  remote: {base_url: 'https://b/v1'}\n"));

        assertThat(config.provider("local").orElseThrow().h2c()).isTrue();
        assertThat(config.provider("remote").orElseThrow().h2c()).isFalse();
        assertThat(from(Map.of("VLLM_BASE_URL", "http://gpu:8000/v1", "VLLM_H2C", "true")).provider("vllm")
                .orElseThrow().h2c()).isTrue();
        assertThatThrownBy(() -> GatewayConfig.from(file(
                "providers:\n  mine: {base_url: 'http://a', h2c: sometimes}\n")))
                .hasMessage("anyrouter.yaml: providers.mine.h2c: 'sometimes' (expected: true or false)");
        assertThatThrownBy(() -> from(Map.of("OPENAI_API_KEY", "k", "OPENAI_H2C", "true")))
                .hasMessage("OPENAI_H2C: true for https://api.openai.com/v1 (expected: only with http:// base URLs; "
                        + "over https HTTP/2 is negotiated by itself)");
    }

    @Test
    void routesAndTheDefaultProviderComeFromTheEnvironmentToo() {
        GatewayConfig config = from(Map.of("OPENAI_API_KEY", "k", "ANYROUTER_ROUTES", "fast=openai/a|openai/b",
                "ANYROUTER_DEFAULT_PROVIDER", "openai"));

        assertThat(config.providers().routes()).containsEntry("fast", List.of("openai/a", "openai/b"));
        assertThat(config.providers().defaultProvider()).contains("openai");
        assertThatThrownBy(() -> from(Map.of("OPENAI_API_KEY", "k", "ANYROUTER_ROUTES", "fast=gpt-4o")))
                .hasMessage("ANYROUTER_ROUTES: fast: 'gpt-4o' (expected: provider/model)");
    }
}
