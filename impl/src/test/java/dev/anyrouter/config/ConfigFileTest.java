package dev.anyrouter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        return Files.writeString(dir.resolve("anyrouter.yaml"), yaml);
    }

    @Test
    void everySectionSetsItsSettings() throws IOException {
        Path file = write("""
                server:
                  max_body_bytes: 8192
                providers:
                  openai:
                    api_key: sk-from-file
                    base_url: http://llm.internal:8000/v1
                  anthropic:
                    api_key: sk-ant-from-file
                storage:
                  data_dir: /var/lib/anyrouter
                keys:
                  bootstrap: [ar-one-0123456789, ar-two-0123456789]
                  admin_key: admin-0123456789abcdef
                  refresh_ms: 1000
                prices:
                  default: "0.000001:0.000002"
                  models:
                    openai/gpt-4o: {prompt: 0.0000025, completion: 0.00001}
                    openai/mine: "0.00000001:0.00000002"
                streaming:
                  commit_grace_ms: 100
                timeouts:
                  connect_ms: 2000
                  idle_ms: 30000
                  total_ms: 120000
                retries:
                  count: 4
                  backoff_ms: 100
                  budget_ms: 5000
                """);

        GatewayConfig config = GatewayConfig.from(ConfigFile.load(file));

        assertThat(config.maxBodyBytes()).isEqualTo(8192);
        Endpoint openAi = config.provider("openai").orElseThrow().endpoints().get(0);
        assertThat(openAi.baseUri()).hasToString("http://llm.internal:8000/v1");
        assertThat(openAi.apiKey().orElseThrow().reveal()).isEqualTo("sk-from-file");
        assertThat(config.provider("anthropic")).isPresent();
        assertThat(config.storage().dataDir()).hasToString("/var/lib/anyrouter");
        assertThat(config.apiKeys()).containsExactly("ar-one-0123456789", "ar-two-0123456789");
        assertThat(config.adminKey()).isPresent();
        assertThat(config.keyRefresh()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.defaultPrice().completion()).isEqualByComparingTo("0.000002");
        assertThat(config.prices().get("openai/gpt-4o").prompt()).isEqualByComparingTo("0.0000025");
        assertThat(config.prices().get("openai/mine").completion()).isEqualByComparingTo("0.00000002");
        assertThat(config.timeouts().commitGrace()).isEqualTo(Duration.ofMillis(100));
        assertThat(config.timeouts().connect()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.timeouts().idle()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.timeouts().total()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.retry().retries()).isEqualTo(4);
        assertThat(config.retry().backoff()).isEqualTo(Duration.ofMillis(100));
        assertThat(config.retry().budget()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void aProviderMayHaveSeveralKeysAndBaseUrls() throws IOException {
        Path file = write("""
                providers:
                  openai:
                    api_keys: [sk-one, sk-two]
                    base_urls: [http://a.internal/v1, http://b.internal/v1]
                  anthropic:
                    api_keys: [sk-ant-one, sk-ant-two, sk-ant-three]
                breaker:
                  failure_rate: 30
                  min_requests: 40
                  window_ms: 20000
                  cooldown_ms: 5000
                  rate_limit_park_ms: 1500
                """);

        GatewayConfig config = GatewayConfig.from(ConfigFile.load(file));

        assertThat(config.provider("openai").orElseThrow().endpoints()).extracting(e -> e.baseUri().toString(),
                e -> e.apiKey().orElseThrow().reveal()).containsExactly(tuple("http://a.internal/v1", "sk-one"),
                tuple("http://b.internal/v1", "sk-two"));
        assertThat(config.provider("anthropic").orElseThrow().endpoints()).hasSize(3)
                .allSatisfy(e -> assertThat(e.baseUri()).hasToString("https://api.anthropic.com"));
        assertThat(config.breaker()).isEqualTo(new BreakerConfig(30, 40, Duration.ofSeconds(20), Duration.ofSeconds(5),
                Duration.ofMillis(1500)));
        assertThatThrownBy(() -> ConfigFile.load(write("providers:\n  openai:\n    api_keys: sk-one\n")))
                .hasMessage("anyrouter.yaml: providers.openai.api_keys: expected a list");
        assertThatThrownBy(() -> GatewayConfig.from(ConfigFile.load(write(
                "providers:\n  openai:\n    api_keys: [a, b]\n    base_urls: [http://a, http://b, http://c]\n"))))
                .hasMessage("anyrouter.yaml: providers.openai.base_urls: 3 URLs, but anyrouter.yaml: "
                        + "providers.openai.api_keys has 2 keys (expected: one URL, one key, or as many URLs as "
                        + "keys: they pair by position)");
    }

    @Test
    void theEnvironmentWinsOverTheFile() throws IOException {
        Path file = write("timeouts:\n  idle_ms: 30000\n  total_ms: 120000\n");
        Settings environment = Settings.of(Map.of("ANYROUTER_IDLE_TIMEOUT_MS", "5000",
                "ANYROUTER_CONFIG", file.toString())::get);

        GatewayConfig config = GatewayConfig.from(ConfigFile.over(environment));

        assertThat(config.timeouts().idle()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.timeouts().total()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void errorsNameTheFileAndTheKey() throws IOException {
        assertThatThrownBy(() -> GatewayConfig.from(ConfigFile.load(write("timeouts:\n  idle_ms: soon\n"))))
                .isInstanceOf(ConfigException.class)
                .hasMessage("anyrouter.yaml: timeouts.idle_ms: 'soon' (expected: a whole number)");
        assertThatThrownBy(() -> ConfigFile.load(write("timeouts:\n  idel_ms: 5\n")))
                .hasMessageStartingWith("anyrouter.yaml: timeouts.idel_ms: unknown key (expected one of: server.host,");
        assertThatThrownBy(() -> ConfigFile.load(write("retries: 3\n")))
                .hasMessageStartingWith("anyrouter.yaml: retries: unknown key");
        assertThatThrownBy(() -> ConfigFile.load(write("timeouts:\n  idle_ms: [1, 2]\n")))
                .hasMessage("anyrouter.yaml: timeouts.idle_ms: expected a single value, not [1,2]");
        assertThatThrownBy(() -> ConfigFile.load(write("keys:\n  bootstrap: ar-one\n")))
                .hasMessage("anyrouter.yaml: keys.bootstrap: expected a list");
        assertThatThrownBy(() -> GatewayConfig.from(ConfigFile.load(write(
                "providers:\n  openai:\n    base_url: ftp://x\n"))))
                .hasMessage("anyrouter.yaml: providers.openai.base_url: 'ftp://x' (expected: an http or https URL)");
        assertThatThrownBy(() -> GatewayConfig.from(ConfigFile.load(write(
                "prices:\n  models:\n    openai/x: {prompt: -1, completion: 1}\n"))))
                .hasMessageContaining("anyrouter.yaml: prices.models openai/x").hasMessageContaining("at least 0");
        assertThatThrownBy(() -> ConfigFile.load(write("timeouts: {idle_ms: 5\n")))
                .hasMessageStartingWith("anyrouter.yaml: not valid YAML");
        assertThatThrownBy(() -> ConfigFile.load(dir.resolve("missing.yaml")))
                .hasMessageStartingWith("ANYROUTER_CONFIG: cannot read");
    }

    @Test
    void anEmptyFileChangesNothing() throws IOException {
        assertThat(GatewayConfig.from(ConfigFile.load(write(""))).timeouts().idle()).isEqualTo(Duration.ofSeconds(60));
    }
}
