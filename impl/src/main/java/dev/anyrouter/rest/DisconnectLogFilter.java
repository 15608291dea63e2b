package dev.anyrouter.rest;

import java.io.IOException;
import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Jersey logs a failed chunk write at SEVERE with a stack trace. For a streaming gateway that is a client
 * hanging up, which the relay already handles: such records go to FINE, once, without the trace. Other
 * records of that logger pass unchanged.
 */
final class DisconnectLogFilter implements Filter {

    /** Held strongly: a JUL logger that nothing references can be collected and lose its filter. */
    private static final Logger JERSEY_RESPONDER =
            Logger.getLogger("org.glassfish.jersey.server.ServerRuntime$Responder");
    private static final System.Logger LOG = System.getLogger(DisconnectLogFilter.class.getName());

    static void install() {
        if (!(JERSEY_RESPONDER.getFilter() instanceof DisconnectLogFilter)) {
            JERSEY_RESPONDER.setFilter(new DisconnectLogFilter());
        }
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        if (record.getLevel().intValue() >= Level.WARNING.intValue() && record.getThrown() instanceof IOException) {
            LOG.log(System.Logger.Level.DEBUG, "client disconnected: {0}", record.getThrown().getMessage());
            return false;
        }
        return true;
    }
}
