package dev.anyrouter.upstream;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * An executor that runs each task on the thread that submits it. Jersey's client hands an asynchronous invocation's
 * request stage (its filters, then the connector) to an executor; the stage only prepares the request and gives it
 * to Jetty, so it needs no thread of its own. Shutting it down only refuses later tasks.
 */
final class CallingThread extends AbstractExecutorService {

    private volatile boolean shutDown;

    @Override
    public void execute(Runnable task) {
        if (shutDown) {
            throw new RejectedExecutionException("the upstream client is closed");
        }
        task.run();
    }

    @Override
    public void shutdown() {
        shutDown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutDown = true;
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return shutDown;
    }

    @Override
    public boolean isTerminated() {
        return shutDown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return shutDown;
    }
}
