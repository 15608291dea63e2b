package dev.anyrouter.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.util.logging.ErrorManager;
import java.util.logging.Formatter;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.StreamHandler;

/**
 * The jar's handler of the access log: the console's format, on standard error, but a record is only held in
 * memory until the handler is flushed, which the access log's writer does once per batch
 * ({@code ops/AccessLogWriter}); then the batch goes out with one write, whole lines only, so a console line of
 * another logger cannot land inside one. More than {@value #LIMIT} bytes held are written at once.
 * {@link ExitLogManager} installs it on the access logger unless a logging configuration names handlers.
 */
public final class BufferedConsoleHandler extends StreamHandler {

    /** The most bytes held between two flushes. */
    static final int LIMIT = 256 * 1024;

    private final ByteArrayOutputStream held;
    private final PrintStream console;

    /** On standard error (as it is now), in the console handler's format. */
    public BufferedConsoleHandler() {
        this(new ByteArrayOutputStream(16 * 1024), System.err, consoleFormatter());
    }

    BufferedConsoleHandler(PrintStream console, Formatter formatter) {
        this(new ByteArrayOutputStream(16 * 1024), console, formatter);
    }

    private BufferedConsoleHandler(ByteArrayOutputStream held, PrintStream console, Formatter formatter) {
        super(held, formatter);
        this.held = held;
        this.console = console;
    }

    @Override
    public synchronized void publish(LogRecord record) {
        super.publish(record);
        if (held.size() >= LIMIT) {
            flush();
        }
    }

    @Override
    public synchronized void flush() {
        super.flush();
        writeHeld();
    }

    @Override
    public synchronized void close() {
        super.close();
        writeHeld();
    }

    private void writeHeld() {
        if (held.size() > 0) {
            try {
                held.writeTo(console); // one write of the whole batch
            } catch (IOException e) {
                reportError("access log not written", e, ErrorManager.WRITE_FAILURE);
            }
            console.flush();
            held.reset();
        }
    }

    /** The formatter the console handler is configured with ({@link ExitLogManager}: {@link EscapingFormatter}). */
    private static Formatter consoleFormatter() {
        String name = LogManager.getLogManager().getProperty("java.util.logging.ConsoleHandler.formatter");
        if (name != null && !name.isBlank()) {
            try {
                return (Formatter) ClassLoader.getSystemClassLoader().loadClass(name.trim())
                        .getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | ClassCastException e) {
                // the jar's console default, below
            }
        }
        return new EscapingFormatter();
    }
}
