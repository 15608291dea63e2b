package dev.anyrouter.server;

import java.util.logging.LogManager;

/**
 * The jar's {@link LogManager}: logging keeps working while the server stops on SIGTERM. The JDK's own shutdown hook
 * resets logging (removes every handler) in parallel with Jetty's, which drains and stops the gateway, so what the
 * graceful stop logged — requests ended at the grace, ledger rows that could not be written, logged in full so that
 * they can be recovered — was lost. Here that reset is skipped; the console and file handlers flush every record, so
 * nothing is held back at exit. Tomcat's JULI does the same for its own stop. Installed by {@link Main} through
 * {@code java.util.logging.manager} before anything logs.
 */
public final class ExitLogManager extends LogManager {

    @Override
    public void reset() {
        // The JDK's hook is an inner class of LogManager (LogManager$Cleaner); any other caller resets as usual.
        if (Thread.currentThread().getClass().getName().startsWith(LogManager.class.getName() + "$")) {
            return;
        }
        super.reset();
    }
}
