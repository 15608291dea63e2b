package dev.anyrouter.server;

import dev.anyrouter.ops.AccessLog;
import java.util.logging.LogManager;

/**
 * The jar's {@link LogManager}: logging keeps working while the server stops on SIGTERM. The JDK's own shutdown hook
 * resets logging (removes every handler) in parallel with Jetty's, which drains and stops the gateway, so what the
 * graceful stop logged — requests ended at the grace, ledger rows that could not be written, logged in full so that
 * they can be recovered — was lost. Here that reset is skipped; the console and file handlers flush every record
 * (the access log's handler each batch, and the gateway's stop its last one), so nothing is held back at exit. Tomcat's JULI does the same for its own stop. Installed by {@link Main} through
 * {@code java.util.logging.manager} before anything logs. It also gives the console the {@link EscapingFormatter},
 * and the access log its own {@link BufferedConsoleHandler}, which writes the log's batches in one write each,
 * unless a logging configuration names other handlers.
 */
public final class ExitLogManager extends LogManager {

    private static final String CONSOLE_FORMATTER = "java.util.logging.ConsoleHandler.formatter";
    private static final String ACCESS_HANDLERS = AccessLog.LOGGER + ".handlers";
    private static final String ACCESS_PARENT_HANDLERS = AccessLog.LOGGER + ".useParentHandlers";

    /**
     * The console's formatter is {@link EscapingFormatter}, unless a logging configuration names another. While the
     * root logger has the JDK's default handler (the console) and the access logger none of its own, the access
     * logger has a {@link BufferedConsoleHandler} instead of its parents' console.
     */
    @Override
    public String getProperty(String name) {
        String value = super.getProperty(name);
        if (CONSOLE_FORMATTER.equals(name) && (value == null || value.equals("java.util.logging.SimpleFormatter"))) {
            return EscapingFormatter.class.getName();
        }
        if ((ACCESS_HANDLERS.equals(name) || ACCESS_PARENT_HANDLERS.equals(name)) && consoleOnly()) {
            return ACCESS_HANDLERS.equals(name) ? BufferedConsoleHandler.class.getName() : "false";
        }
        return value;
    }

    private boolean consoleOnly() {
        String root = super.getProperty("handlers");
        return super.getProperty(ACCESS_HANDLERS) == null && super.getProperty(ACCESS_PARENT_HANDLERS) == null
                && root != null && root.trim().equals("java.util.logging.ConsoleHandler");
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
