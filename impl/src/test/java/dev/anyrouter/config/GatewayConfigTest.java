package dev.anyrouter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

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
        assertThat(config.timeouts().commitGrace()).isEqualTo(Duration.ofMillis(250));
        assertThat(config.timeouts().keepAlive()).isEqualTo(Duration.ofMillis(300));
    }

    @Test
    void readsTheOpenAiUpstreamTheWayItsSdkDoes() {
        GatewayConfig config = from(Map.of("OPENAI_API_KEY", "sk-secret", "ANYROUTER_API_KEYS", " ar-a, ar-b ,"));

        assertThat(config.offline()).isFalse();
        assertThat(config.provider("openai").orElseThrow().endpoints()).singleElement().satisfies(endpoint -> {
            assertThat(endpoint.baseUri()).hasToString("https://api.openai.com/v1");
            assertThat(endpoint.apiKey().orElseThrow().reveal()).isEqualTo("sk-secret");
        });
        assertThat(config.apiKeys()).containsExactly("ar-a", "ar-b");
        assertThat(config.toString()).doesNotContain("sk-secret");
    }

    @Test
    void makesOneEndpointPerKeyOrBaseUrl() {
        GatewayConfig keys = from(Map.of("OPENAI_API_KEYS", "sk-1, sk-2", "OPENAI_BASE_URL", "http://llm/v1"));
        GatewayConfig bases = from(Map.of("ANTHROPIC_BASE_URLS", "http://a,http://b/", "ANTHROPIC_API_KEY", "k"));
        GatewayConfig pairs = from(Map.of("OPENAI_API_KEYS", "sk-1,sk-2", "OPENAI_BASE_URLS", "http://a,http://b"));

        assertThat(keys.provider("openai").orElseThrow().endpoints()).extracting(e -> e.baseUri().toString(),
                e -> e.apiKey().orElseThrow().reveal())
                .containsExactly(tuple("http://llm/v1", "sk-1"), tuple("http://llm/v1", "sk-2"));
        assertThat(bases.provider("anthropic").orElseThrow().endpoints()).extracting(e -> e.baseUri().toString(),
                e -> e.apiKey().orElseThrow().reveal()).containsExactly(tuple("http://a", "k"), tuple("http://b", "k"));
        assertThat(pairs.provider("openai").orElseThrow().endpoints()).extracting(e -> e.baseUri().toString(),
                e -> e.apiKey().orElseThrow().reveal()).containsExactly(tuple("http://a", "sk-1"), tuple("http://b", "sk-2"));
        assertThat(from(Map.of("OPENAI_API_KEYS", "sk-1,sk-2")).provider("openai").orElseThrow().endpoints())
                .allSatisfy(e -> assertThat(e.baseUri()).hasToString("https://api.openai.com/v1"));
        assertThat(from(Map.of("OPENAI_API_KEY", "sk-with,comma")).provider("openai").orElseThrow().endpoints())
                .as("the single-key setting is never split").hasSize(1);
        assertThat(keys.toString()).doesNotContain("sk-1");
    }

    @Test
    void refusesEndpointListsThatDoNotPairUp() {
        assertThatThrownBy(() -> from(Map.of("OPENAI_API_KEYS", "a,b", "OPENAI_BASE_URLS", "http://a,http://b,http://c")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("OPENAI_BASE_URLS: 3 URLs, but OPENAI_API_KEYS has 2 keys (expected: one URL, one key, "
                        + "or as many URLs as keys: they pair by position)");
        assertThatThrownBy(() -> from(Map.of("OPENAI_API_KEY", "a", "OPENAI_API_KEYS", "b,c")))
                .hasMessage("OPENAI_API_KEY and OPENAI_API_KEYS: both set (expected: one of them)");
        assertThatThrownBy(() -> from(Map.of("ANTHROPIC_BASE_URLS", "http://a,ftp://b")))
                .hasMessage("ANTHROPIC_BASE_URLS: 'ftp://b' (expected: an http or https URL)");
    }

    @Test
    void readsTheCircuitBreakerSettingsWithTheirDefaults() {
        assertThat(from(Map.of()).breaker()).isEqualTo(new BreakerConfig(50, 20, Duration.ofSeconds(10),
                Duration.ofSeconds(30), Duration.ofSeconds(1)));
        assertThat(from(Map.of("ANYROUTER_BREAKER_FAILURE_RATE", "0")).breaker().enabled()).isFalse();
        assertThat(from(Map.of("ANYROUTER_BREAKER_FAILURE_RATE", "80", "ANYROUTER_BREAKER_MIN_REQUESTS", "5",
                "ANYROUTER_BREAKER_WINDOW_MS", "3000", "ANYROUTER_BREAKER_COOLDOWN_MS", "500",
                "ANYROUTER_RATE_LIMIT_PARK_MS", "250")).breaker())
                .isEqualTo(new BreakerConfig(80, 5, Duration.ofSeconds(3), Duration.ofMillis(500),
                        Duration.ofMillis(250)));
        assertThatThrownBy(() -> from(Map.of("ANYROUTER_BREAKER_FAILURES", "5")))
                .hasMessageContaining("ANYROUTER_BREAKER_FAILURES is no longer read")
                .hasMessageContaining("ANYROUTER_BREAKER_FAILURE_RATE");
        assertThatThrownBy(() -> from(Map.of("ANYROUTER_BREAKER_COOLDOWN_MS", "0")))
                .hasMessage("ANYROUTER_BREAKER_COOLDOWN_MS: 0 (expected: 10..3600000)");
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

    @Test
    void readsStoragePricesAndTheAdminKeyWithTheirDefaults() {
        GatewayConfig defaults = from(Map.of());
        assertThat(defaults.storage().url()).isEmpty();
        assertThat(defaults.storage().dataDir()).hasToString("data");
        assertThat(defaults.storage().jdbcUrl()).startsWith("jdbc:h2:file:").endsWith("anyrouter;DB_CLOSE_ON_EXIT=FALSE");
        assertThat(defaults.adminKey()).isEmpty();
        assertThat(defaults.keyRefresh()).isEqualTo(Duration.ofSeconds(5));
        assertThat(defaults.defaultPrice().prompt()).isEqualByComparingTo("0.00001");
        assertThat(defaults.prices()).isEmpty();

        GatewayConfig set = from(Map.of("ANYROUTER_DB_URL", "jdbc:postgresql://db:5432/anyrouter?ssl=true",
                "ANYROUTER_DB_USER", "ar", "ANYROUTER_DB_PASSWORD", "pg-secret", "ANYROUTER_ADMIN_KEY",
                "admin-secret-0123456789", "ANYROUTER_PRICES", "openai/x=0.000001:0.000002, a/b=0:0",
                "ANYROUTER_DEFAULT_PRICE", "0.5:1"));
        assertThat(set.storage().jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/anyrouter?ssl=true");
        assertThat(set.storage().describe()).isEqualTo("jdbc:postgresql://db:5432/anyrouter");
        assertThat(set.prices()).containsOnlyKeys("openai/x", "a/b");
        assertThat(set.prices().get("openai/x").completion()).isEqualByComparingTo("0.000002");
        assertThat(set.defaultPrice().completion()).isEqualByComparingTo("1");
        assertThat(set.toString()).doesNotContain("pg-secret").doesNotContain("admin-secret");
    }

    @Test
    void refusesBadStorageAndPriceSettingsNamingThem() {
        assertThatThrownBy(() -> from(Map.of("ANYROUTER_DB_URL", "jdbc:mysql://x/y")))
                .hasMessageStartingWith("ANYROUTER_DB_URL:");
        assertThatThrownBy(() -> from(Map.of("ANYROUTER_DB_URL", "jdbc:postgresql://x/y?user=a&password=pg-secret")))
                .hasMessageContaining("ANYROUTER_DB_PASSWORD").message().doesNotContain("pg-secret");
        assertThatThrownBy(() -> from(Map.of("ANYROUTER_PRICES", "gpt-4o=1:2")))
                .hasMessageContaining("ANYROUTER_PRICES").hasMessageContaining("provider/model=PROMPT:COMPLETION");
        assertThatThrownBy(() -> from(Map.of("ANYROUTER_PRICES", "openai/x=-1:2")))
                .hasMessageContaining("ANYROUTER_PRICES openai/x").hasMessageContaining("at least 0");
        assertThatThrownBy(() -> from(Map.of("ANYROUTER_PRICES", "openai/x=0.0000000000001:2")))
                .hasMessageContaining("at most 12 decimal places");
        assertThatThrownBy(() -> from(Map.of("ANYROUTER_DEFAULT_PRICE", "cheap")))
                .hasMessageStartingWith("ANYROUTER_DEFAULT_PRICE:");
        assertThatThrownBy(() -> from(Map.of("ANYROUTER_ADMIN_KEY", "short")))
                .hasMessageStartingWith("ANYROUTER_ADMIN_KEY:");
    }

    @Test
    void readsTheLimitsWithTheirDefaultsOff() {
        LimitsConfig defaults = from(Map.of()).limits();
        assertThat(defaults).isEqualTo(new LimitsConfig(0, 0, 0, 0, Duration.ofMinutes(1), 4096, 1 << 20,
                256L << 20));

        LimitsConfig set = from(Map.of("ANYROUTER_KEY_RPM", "60", "ANYROUTER_KEY_TPM", "100000",
                "ANYROUTER_MAX_STREAMS_PER_KEY", "4", "ANYROUTER_MAX_STREAMS", "500", "ANYROUTER_LIMIT_WINDOW_MS",
                "1000")).limits();
        assertThat(set).isEqualTo(new LimitsConfig(60, 100_000, 4, 500, Duration.ofSeconds(1), 4096,
                1 << 20, 256L << 20));

        assertThatThrownBy(() -> from(Map.of("ANYROUTER_KEY_RPM", "-1")))
                .hasMessage("ANYROUTER_KEY_RPM: -1 (expected: 0..1000000000)");
        assertThatThrownBy(() -> from(Map.of("ANYROUTER_KEY_TPM", "lots")))
                .hasMessage("ANYROUTER_KEY_TPM: 'lots' (expected: a whole number)");
        assertThatThrownBy(() -> from(Map.of("ANYROUTER_MAX_STREAMS", "-5")))
                .hasMessageStartingWith("ANYROUTER_MAX_STREAMS: -5");
        assertThatThrownBy(() -> from(Map.of("ANYROUTER_LIMIT_WINDOW_MS", "0")))
                .hasMessageStartingWith("ANYROUTER_LIMIT_WINDOW_MS: 0 (expected: 100..");
    }
}
