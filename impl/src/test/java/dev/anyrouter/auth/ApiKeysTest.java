package dev.anyrouter.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ApiKeysTest {

    @Test
    void acceptsOnlyTheConfiguredKeys() {
        ApiKeys keys = ApiKeys.of(List.of("ar-one", "ar-two"));

        assertThat(keys.accepts("ar-one")).isTrue();
        assertThat(keys.accepts("ar-two")).isTrue();
        assertThat(keys.accepts("ar-three")).isFalse();
        assertThat(keys.accepts("")).isFalse();
    }

    @Test
    void generatesDistinctKeysWithThePrefix() {
        String a = ApiKeys.generate();
        String b = ApiKeys.generate();

        assertThat(a).startsWith("ar-").hasSize(46).isNotEqualTo(b);
        assertThat(ApiKeys.of(List.of(a)).accepts(a)).isTrue();
    }
}
