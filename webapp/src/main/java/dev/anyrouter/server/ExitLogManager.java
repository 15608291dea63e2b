package dev.anyrouter.server;

import java.util.logging.LogManager;

/**
 * The jar's {@link LogManager}: logging keeps working while the server stops on SIGTERM. The JDK's own shutdown hook
 * resets logging (removes every handler) in parallel with Jetty's, which drains and stops the gateway, so what the
 * graceful stop logged — requests ended at the grace, ledger rows that could not be written, logged in full so that
 * they can be recovered — was lost. Here that reset is skipped; the console and file handlers flush every record, so
 * nothing is held back at exit. Tomcat's JULI does the same for its own stop. Installed by {@link Main} through
 * {@code java.util.logging.manager} before anything logs. It also gives the console the {@link EscapingFormatter}.
 */
public final class ExitLogManager extends LogManager {

    private static final String CONSOLE_FORMATTER = "java.util.logging.ConsoleHandler.formatter";

    /** The console's formatter is {@link EscapingFormatter}, unless a logging configuration names another. */
    @Override
    public String getProperty(String name) {
        String value = super.getProperty(name);
        if (CONSOLE_FORMATTER.equals(name) && (value == null || value.equals("java.util.logging.SimpleFormatter"))) {
            return EscapingFormatter.class.getName();
        }
        return value;
    }

    @Override
    public void reset() {
        // The JDK's hook is an inner class of LogManager (LogManager$Cleaner); any other caller resets as usual.
        if (Thread.currentThread().getClass().getName().startsWith(LogManager.class.getName() + "$")) {
            return;
        }
        super.reset();
    }
}
