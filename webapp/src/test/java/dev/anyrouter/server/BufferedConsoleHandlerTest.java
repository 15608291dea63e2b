package dev.anyrouter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.anyrouter.ops.AccessLog;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class BufferedConsoleHandlerTest {

    /** Standard error as the handler sees it: each write call kept apart. */
    private final List<String> writes = new ArrayList<>();
    private final PrintStream console = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8) {
        @Override
        public void write(byte[] bytes, int offset, int length) {
            writes.add(new String(bytes, offset, length, StandardCharsets.UTF_8));
        }
    };

    @Test
    void holdsTheLinesOfABatchUntilFlushedThenWritesThemWithOneWrite() {
        BufferedConsoleHandler handler = new BufferedConsoleHandler(console, jarFormatter());
        for (int i = 0; i < 3; i++) {
            handler.publish(record("{\"status\":20" + i + "}"));
        }
        assertThat(writes).isEmpty();

        handler.flush();

        assertThat(writes).hasSize(1);
        assertThat(writes.get(0).split("\n")).hasSize(3).allSatisfy(line ->
                assertThat(line).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d INFO dev.anyrouter.access: "
                        + "\\{\"status\":20\\d}"));
        handler.flush();
        assertThat(writes).as("nothing held, nothing written").hasSize(1);
    }

    @Test
    void writesAtOnceWhenTooMuchIsHeldAndOnClose() {
        BufferedConsoleHandler handler = new BufferedConsoleHandler(console, jarFormatter());
        String big = "x".repeat(BufferedConsoleHandler.LIMIT);
        handler.publish(record(big));
        assertThat(writes).hasSize(1);

        handler.publish(record("last"));
        handler.close();
        assertThat(writes).hasSize(2);
        assertThat(writes.get(1)).endsWith("dev.anyrouter.access: last" + System.lineSeparator());
    }

    @Test
    void isTheAccessLogsHandlerWhileTheRootHasTheDefaultConsoleOnly() throws Exception {
        ExitLogManager defaults = manager("handlers = java.util.logging.ConsoleHandler\n");
        assertThat(defaults.getProperty(AccessLog.LOGGER + ".handlers"))
                .isEqualTo(BufferedConsoleHandler.class.getName());
        assertThat(defaults.getProperty(AccessLog.LOGGER + ".useParentHandlers")).isEqualTo("false");

        ExitLogManager file = manager("handlers = java.util.logging.FileHandler\n");
        assertThat(file.getProperty(AccessLog.LOGGER + ".handlers")).isNull();
        assertThat(file.getProperty(AccessLog.LOGGER + ".useParentHandlers")).isNull();

        ExitLogManager own = manager("handlers = java.util.logging.ConsoleHandler\n"
                + AccessLog.LOGGER + ".handlers = java.util.logging.FileHandler\n");
        assertThat(own.getProperty(AccessLog.LOGGER + ".handlers")).isEqualTo("java.util.logging.FileHandler");
    }

    private static ExitLogManager manager(String configuration) throws Exception {
        ExitLogManager manager = new ExitLogManager();
        manager.readConfiguration(new ByteArrayInputStream(configuration.getBytes(StandardCharsets.UTF_8)));
        return manager;
    }

    /** The jar's console formatter, in the format {@link Main} sets. */
    private static EscapingFormatter jarFormatter() {
        String property = "java.util.logging.SimpleFormatter.format";
        String before = System.getProperty(property);
        System.setProperty(property, Main.CONSOLE_FORMAT);
        try {
            return new EscapingFormatter();
        } finally {
            if (before == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, before);
            }
        }
    }

    private static LogRecord record(String message) {
        LogRecord record = new LogRecord(Level.INFO, message);
        record.setLoggerName(AccessLog.LOGGER);
        return record;
    }
}
