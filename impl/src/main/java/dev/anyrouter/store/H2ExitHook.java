package dev.anyrouter.store;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * Keeps H2's JVM shutdown hook from closing the embedded database under a gateway that is still stopping.
 *
 * <p>H2 closes every embedded database it has open from a shutdown hook of its own. JVM shutdown hooks run
 * concurrently, so on a SIGTERM it closed the database while AnyRouter's graceful stop (the jar's, from Jetty's
 * hook; a WAR's, from the container's undeploy) was still ending streams and writing the ledger's last rows, which
 * then failed ("Database is already closed"). H2's own switch, {@code DB_CLOSE_ON_EXIT=FALSE}, is refused together
 * with the {@code AUTO_SERVER=TRUE} the {@code keys} CLI needs (H2 2.3.232, {@code Database}'s constructor).
 *
 * <p>So while an embedded database of AnyRouter is open, H2's hook is replaced by one that first waits until every
 * such database has been closed by its owner (at most {@link #WAIT}), then runs H2's hook, which closes whatever
 * else the application still has open with H2. H2's hook is not public: it is reached by reflection, and if that
 * fails (another H2 version) it stays where it is and a warning says so.
 */
final class H2ExitHook {

    private static final System.Logger LOG = System.getLogger(H2ExitHook.class.getName());
    /** Longer than a default shutdown grace plus the ledger's last write; an owner that never closes costs this. */
    static final Duration WAIT = Duration.ofSeconds(30);

    /** AnyRouter's embedded databases open now. Guarded by the class. */
    private static int open;
    /** H2's hook while ours stands in for it, and ours. */
    private static Thread h2Hook;
    private static Thread ours;
    private static boolean warned;

    private H2ExitHook() {
    }

    /** An embedded database has been opened (H2 has registered its hook by now). */
    static synchronized void opened() {
        open++;
        if (ours != null) {
            return;
        }
        Thread h2 = h2Hook();
        if (h2 == null) {
            return;
        }
        try {
            if (!Runtime.getRuntime().removeShutdownHook(h2)) {
                return; // not installed: the database is served by another process (auto-server mode)
            }
            Thread hook = Executors.defaultThreadFactory().newThread(H2ExitHook::runDeferred);
            hook.setName("anyrouter-h2-exit");
            Runtime.getRuntime().addShutdownHook(hook);
            h2Hook = h2;
            ours = hook;
        } catch (IllegalStateException shuttingDown) {
            // too late to change anything
        }
    }

    /** An embedded database has been closed by its owner. With none left, H2's hook is put back if it is needed. */
    static synchronized void closed() {
        open--;
        H2ExitHook.class.notifyAll();
        if (open > 0 || ours == null) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(ours);
            if (h2Registered()) { // other H2 databases of the application are still open
                Runtime.getRuntime().addShutdownHook(h2Hook);
            }
            ours = null;
            h2Hook = null;
        } catch (IllegalStateException shuttingDown) {
            // ours is running: it runs H2's next
        } catch (IllegalArgumentException alreadyThere) {
            ours = null;
            h2Hook = null;
        }
    }

    /** Ours, at JVM exit: waits for AnyRouter's databases to be closed, then does what H2's hook does. */
    private static void runDeferred() {
        Thread h2;
        synchronized (H2ExitHook.class) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            try {
                while (open > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        LOG.log(System.Logger.Level.WARNING, open + " embedded database(s) still open " + WAIT.toSeconds()
                                + " s after the JVM began to exit; H2 closes them now");
                        break;
                    }
                    H2ExitHook.class.wait(Math.max(1, left / 1_000_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            h2 = h2Hook;
        }
        if (h2 != null) {
            h2.run(); // H2's hook is a Thread whose run() closes its databases; it never started, so run it here
        }
    }

    /** H2's hook ({@code OnExitDatabaseCloser.INSTANCE}), or null when it cannot be reached. */
    private static Thread h2Hook() {
        try {
            return (Thread) field("INSTANCE").get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            warn(e);
            return null;
        }
    }

    /** Whether H2 believes its hook is installed, i.e. it has databases open. */
    private static boolean h2Registered() {
        try {
            return field("registered").getBoolean(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            warn(e);
            return true;
        }
    }

    private static Field field(String name) throws ReflectiveOperationException {
        Class<?> closer = Class.forName("org.h2.engine.OnExitDatabaseCloser", true,
                org.h2.Driver.class.getClassLoader());
        Field field = closer.getDeclaredField(name);
        field.setAccessible(true);
        return field;
    }

    private static void warn(Exception e) {
        if (!warned) {
            warned = true;
            LOG.log(System.Logger.Level.WARNING, "H2's shutdown hook is left in place (" + e
                    + "): on SIGTERM it may close the embedded database before the ledger's last rows are written");
        }
    }
}
