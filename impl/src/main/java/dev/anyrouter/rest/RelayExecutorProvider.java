package dev.anyrouter.rest;

import java.util.concurrent.ExecutorService;
import org.glassfish.jersey.server.ManagedAsyncExecutor;
import org.glassfish.jersey.spi.ExecutorServiceProvider;

/** Makes Jersey run {@code @ManagedAsync} methods on the engine's relay threads. The engine owns and stops them. */
@ManagedAsyncExecutor
final class RelayExecutorProvider implements ExecutorServiceProvider {

    private final ExecutorService relays;

    RelayExecutorProvider(ExecutorService relays) {
        this.relays = relays;
    }

    @Override
    public ExecutorService getExecutorService() {
        return relays;
    }

    @Override
    public void dispose(ExecutorService executorService) {
        // owned by the engine, which shuts it down after the application
    }
}
