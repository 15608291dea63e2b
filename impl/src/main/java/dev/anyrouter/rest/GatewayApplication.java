package dev.anyrouter.rest;

import dev.anyrouter.engine.AnyRouter;
import org.glassfish.jersey.internal.inject.AbstractBinder;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.server.ServerProperties;

/**
 * The JAX-RS application: one code path whether AnyRouter runs as the embedded Jetty jar or as a WAR. The
 * Jersey servlet that serves it must be registered with async support.
 */
public final class GatewayApplication {

    private GatewayApplication() {
    }

    /** The gateway's resources and filters, bound to one engine. {@code extra} adds components (the simulator's
     * filter, resource class and the binder that supplies it). */
    public static ResourceConfig create(AnyRouter engine, Object... extra) {
        DisconnectLogFilter.install();
        ResourceConfig config = new ResourceConfig()
                .register(new V1PathFilter())
                .register(new AuthFilter(engine.keys(), engine.config().adminKey()))
                .register(new RequestBodyFilter(engine.config().maxBodyBytes(), engine.config().bodyLimits(),
                        engine.credit()::checkBeforeBody))
                .register(new RelayAdmissionFilter(engine.relayLimit(), engine.streamCaps()))
                .register(new BoundedAdmissionFilter())
                .register(new StreamHeadersFilter())
                .register(new ErrorMapper(engine.metrics()))
                .register(new RelayExecutorProvider(engine.relays()))
                .register(new AbstractBinder() {
                    @Override
                    protected void configure() {
                        bind(engine).to(AnyRouter.class);
                    }
                })
                .register(CompletionsResource.class)
                .register(CountTokensResource.class)
                .register(ModelsResource.class)
                .register(AccountResource.class)
                .register(AdminKeysResource.class)
                .register(HealthResource.class)
                .register(ReadyResource.class)
                .register(MetricsResource.class)
                .property(ServerProperties.WADL_FEATURE_DISABLE, true);
        for (Object component : extra) {
            if (component instanceof Class<?> type) {
                config.register(type);
            } else {
                config.register(component);
            }
        }
        return config;
    }
}
