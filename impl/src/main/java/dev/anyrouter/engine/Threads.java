package dev.anyrouter.engine;

import java.lang.reflect.Method;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's executors. A relay thread waits for the upstream until a stream's first byte, so on JDK 21+ each
 * request gets a virtual thread; on JDK 17 platform threads, whose number {@link RelayLimit} caps. Pools whose tasks
 * never wait for long ({@link #few}) stay small; idle pooled threads retire after {@link #IDLE_SECONDS}. The virtual-thread API is reached by reflection because the code is compiled for
 * release 17.
 */
public final class Threads {

    /** How long an idle pooled platform thread lives. */
    public static final int IDLE_SECONDS = 10;

    private Threads() {
    }

    public static boolean virtual() {
        return Runtime.version().feature() >= 21;
    }

    /**
     * One thread per task: virtual on JDK 21+, else pooled platform threads that idle out. It never rejects; the
     * callers bound the tasks ({@link RelayLimit}).
     */
    public static ExecutorService perTask(String prefix) {
        if (virtual()) {
            return virtualPerTask(prefix);
        }
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, IDLE_SECONDS, TimeUnit.SECONDS, new SynchronousQueue<>(),
                named(prefix));
    }

    /**
     * For short tasks that never wait for long: virtual threads on JDK 21+, else at most {@code threads} platform
     * threads that idle out, and a queue for the tasks beyond. It never rejects; the callers bound the tasks.
     */
    public static ExecutorService few(String prefix, int threads) {
        if (virtual()) {
            return virtualPerTask(prefix);
        }
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, IDLE_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), named(prefix));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /** A single platform thread for timers; cancelled tasks leave its queue at once. */
    public static ScheduledExecutorService scheduler(String prefix) {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, named(prefix));
        scheduler.setRemoveOnCancelPolicy(true);
        return scheduler;
    }

    /** Daemon platform threads named {@code prefix-N}. */
    public static ThreadFactory named(String prefix) {
        ThreadFactory base = Executors.defaultThreadFactory();
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = base.newThread(task);
            thread.setName(prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private static ExecutorService virtualPerTask(String prefix) {
        try {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            Class<?> builderType = Class.forName("java.lang.Thread$Builder");
            builder = builderType.getMethod("name", String.class, long.class).invoke(builder, prefix + "-", 1L);
            ThreadFactory factory = (ThreadFactory) builderType.getMethod("factory").invoke(builder);
            Method perTask = Executors.class.getMethod("newThreadPerTaskExecutor", ThreadFactory.class);
            return (ExecutorService) perTask.invoke(null, factory);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("virtual threads are expected on JDK " + Runtime.version().feature(), e);
        }
    }
}
