package dev.anyrouter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatewayConfigTest {

    private static GatewayConfig from(Map<String, String> values) {
        return GatewayConfig.from(Settings.of(values::get));
    }

    @Test
    void defaultsToOfflineWithDocumentedValues() {
        GatewayConfig config = from(Map.of());

        assertThat(config.offline()).isTrue();
        assertThat(config.apiKeys()).isEmpty();
        assertThat(config.maxBodyBytes()).isEqualTo(4L << 20);
        assertThat(config.commitGrace()).isEqualTo(Duration.ofMillis(250));
        assertThat(config.keepAlive()).isEqualTo(Duration.ofMillis(300));
    }

    @Test
    void readsTheOpenAiUpstreamTheWayItsSdkDoes() {
        GatewayConfig config = from(Map.of("OPENAI_API_KEY", "sk-secret", "ANYROUTER_API_KEYS", " ar-a, ar-b ,"));

        assertThat(config.offline()).isFalse();
        assertThat(config.openAi().orElseThrow().baseUri()).hasToString("https://api.openai.com/v1");
        assertThat(config.openAi().orElseThrow().apiKey().orElseThrow().reveal()).isEqualTo("sk-secret");
        assertThat(config.apiKeys()).containsExactly("ar-a", "ar-b");
        assertThat(config.toString()).doesNotContain("sk-secret");
    }

    @Test
    void staysOfflineWhenToldToWhateverTheEnvironmentSays() {
        GatewayConfig config = from(Map.of("OPENAI_API_KEY", "sk-secret", "ANYROUTER_OFFLINE", "true"));

        assertThat(config.offline()).isTrue();
        assertThatThrownBy(() -> from(Map.of("ANYROUTER_OFFLINE", "yes")))
                .hasMessage("ANYROUTER_OFFLINE: 'yes' (expected: true or false)");
    }

    @Test
    void namesTheSettingAndTheExpectationWhenAValueIsWrong() {
        assertThatThrownBy(() -> from(Map.of("ANYROUTER_KEEPALIVE_MS", "soon")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("ANYROUTER_KEEPALIVE_MS: 'soon' (expected: a whole number)");
        assertThatThrownBy(() -> from(Map.of("OPENAI_BASE_URL", "ftp://x")))
                .hasMessage("OPENAI_BASE_URL: 'ftp://x' (expected: an http or https URL)");
        assertThatThrownBy(() -> from(Map.of("ANYROUTER_MAX_BODY_BYTES", "10")))
                .hasMessageStartingWith("ANYROUTER_MAX_BODY_BYTES: 10 (expected: 1024..");
    }
}
