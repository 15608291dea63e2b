package dev.anyrouter.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class EscapingFormatterTest {

    @Test
    void writesEachMessageOnOneLineWhateverTheClientChose() {
        LogRecord record = new LogRecord(Level.INFO, "generation {0}: falling back to {1}");
        record.setParameters(new Object[] {"gen-1", "openai/x\n2026-01-01 00:00:00 SEVERE forged"});

        String line = new EscapingFormatter().format(record);

        assertThat(line).doesNotContain("\n2026-01-01").contains("falling back to openai/x\\n2026-01-01 00:00:00 SEVERE forged");
    }

    @Test
    void isTheJarsConsoleFormatter() {
        assertThat(new ExitLogManager().getProperty("java.util.logging.ConsoleHandler.formatter"))
                .isEqualTo(EscapingFormatter.class.getName());
    }
}
