package dev.anyrouter.upstream;

import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;

/**
 * Tells a failure of the gateway itself from a failure of the upstream. Running out of file descriptors (EMFILE,
 * ENFILE), memory or executor capacity inside the gateway or its HTTP client, before a byte reached the upstream,
 * says nothing of the upstream's health: such a try gives its endpoint no verdict.
 */
public final class LocalFailures {

    /** How the JDK words the local resource errors of {@code errno} EMFILE, ENFILE, ENOBUFS and ENOMEM. */
    private static final String[] LOCAL_MESSAGES = {"too many open files", "no buffer space available",
        "cannot allocate memory"};

    private LocalFailures() {
    }

    /** True when {@code failure}, or any of its causes, is a resource running out inside this process. */
    public static boolean local(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof VirtualMachineError || t instanceof RejectedExecutionException) {
                return true; // OutOfMemoryError, StackOverflowError; a full or stopped executor
            }
            if (t instanceof IOException && t.getMessage() != null) {
                String message = t.getMessage().toLowerCase(Locale.ROOT);
                for (String local : LOCAL_MESSAGES) {
                    if (message.contains(local)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static final int MAX_CAUSE_CHARS = 200;

    /** The innermost cause's type and message, for a log line (never a key: those travel in headers only). */
    public static String rootCause(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        if (message != null && message.length() > MAX_CAUSE_CHARS) { // Jetty's EofException prints its connection
            message = message.substring(0, MAX_CAUSE_CHARS) + "…";
        }
        return root.getClass().getName() + (message == null ? "" : ": " + message);
    }
}
