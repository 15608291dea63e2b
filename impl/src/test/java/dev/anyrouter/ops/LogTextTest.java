package dev.anyrouter.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogTextTest {

    @Test
    void escapesEveryControlCharacterSoNoLineCanBeForged() {
        String forged = "openai/x\n2026-01-01 00:00:00 SEVERE forged\r\u0007\u0000\u2028\u0085 \\n";

        String escaped = LogText.escape(forged);

        assertThat(escaped).isEqualTo("openai/x\\n2026-01-01 00:00:00 SEVERE forged\\r\\u0007\\u0000\\u2028\\u0085 \\\\n");
        assertThat(escaped.chars()).noneMatch(c -> Character.isISOControl(c) || c == '\u2028');
    }

    @Test
    void leavesPlainTextAloneAndCutsLongText() {
        assertThat(LogText.escape("anthropic/claude-sonnet-4 ünïcode")).isEqualTo("anthropic/claude-sonnet-4 ünïcode");
        assertThat(LogText.escape("x".repeat(1000))).hasSize(LogText.MAX + 1).endsWith("…");
        assertThat(LogText.escapeMessage("y".repeat(1000) + "\n")).hasSize(1002).endsWith("\\n");
        assertThat(LogText.escape(null)).isEqualTo("null");
    }
}
