package dev.anyrouter.routing;

import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.config.BreakerConfig;
import dev.anyrouter.config.GatewayConfig;
import dev.anyrouter.config.ProvidersConfig;
import dev.anyrouter.config.Secret;
import dev.anyrouter.config.UpstreamConfig;
import java.net.URI;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Maps {@code provider/model}, a route alias or a model id of the default provider to upstreams. With no upstream
 * configured (the offline default) every provider is served by the built-in simulated upstream, which the gateway
 * reaches over HTTP at its own address.
 */
public final class Router {

    /** Where the simulated upstream is mounted, relative to the gateway's own root. */
    public static final URI SIMULATOR_BASE = URI.create("simulator/v1");
    /** The simulated upstream's Messages API base: requests go to {@code simulator/v1/messages}. */
    public static final URI SIMULATOR_ANTHROPIC_BASE = URI.create("simulator");
    /**
     * The simulated upstream's key: random per process, it is the only key besides a client key the simulator
     * accepts, so only this gateway's upstream client (which sends it as the simulated provider's key) reaches the
     * simulator without one. Never logged: a {@link Secret} hides itself, and upstream errors are scrubbed of it.
     */
    public static final Secret SIMULATOR_KEY = Secret.of("sim-" + randomHex(32));

    private final Map<String, UpstreamConfig> providers;
    private final Optional<UpstreamConfig> catchAll;
    private final Map<String, List<String>> routes;
    private final Optional<String> defaultProvider;
    private final Map<UpstreamConfig, Endpoints> endpoints = new HashMap<>();

    private Router(Map<String, UpstreamConfig> providers, Optional<UpstreamConfig> catchAll, ProvidersConfig config,
            BreakerConfig breaker) {
        this.providers = Collections.unmodifiableMap(new LinkedHashMap<>(providers));
        this.catchAll = catchAll;
        this.routes = config.routes();
        this.defaultProvider = config.defaultProvider();
        Stream.concat(providers.values().stream(), catchAll.stream())
                .forEach(upstream -> endpoints.put(upstream, new Endpoints(upstream, breaker)));
    }

    /**
     * The configured upstreams by provider name. Offline, the simulated upstream serves {@code anthropic/*} with
     * its Messages API and every other provider with its chat-completions API, so both APIs and every
     * translation between them work without a network. Its endpoints have no circuit breaker: it is part of the
     * gateway, and the failures it plays on request are there to be seen, not skipped.
     */
    public static Router from(GatewayConfig config) {
        if (config.offline()) {
            return new Router(Map.of("anthropic", new UpstreamConfig("simulated", SIMULATOR_ANTHROPIC_BASE,
                    Optional.of(SIMULATOR_KEY), "anthropic")), Optional.of(new UpstreamConfig("simulated",
                    SIMULATOR_BASE, Optional.of(SIMULATOR_KEY), "openai")), config.providers(),
                    config.breaker().off());
        }
        Map<String, UpstreamConfig> providers = new LinkedHashMap<>();
        config.upstreams().forEach(upstream -> providers.put(upstream.name(), upstream));
        return new Router(providers, Optional.empty(), config.providers(), config.breaker());
    }

    /** The endpoints of an upstream this router routes to, with their breakers. */
    public Endpoints endpoints(UpstreamConfig upstream) {
        return Optional.ofNullable(endpoints.get(upstream)).orElseThrow(() -> new IllegalArgumentException(
                "upstream: '" + upstream.name() + "' (expected: one of this router's)"));
    }

    /**
     * The routes of the models a request names (its model, then its fallbacks), in order, each once: {@code provider/model} as it is; a route alias
     * as its models; any other model id at the default provider. A 400 for a model id that is none of these, a
     * 404 for a provider that is not configured.
     */
    public List<Route> routes(String model, List<String> fallbacks, String fallbackField) {
        Set<String> ids = new LinkedHashSet<>(resolve("model", model));
        for (int i = 0; i < fallbacks.size(); i++) {
            ids.addAll(resolve(fallbackField + "[" + i + "]", fallbacks.get(i)));
        }
        return ids.stream().map(this::route).toList();
    }

    /** The routes of {@code model} alone. */
    public List<Route> routes(String model) {
        return routes(model, List.of(), "");
    }

    /** The {@code provider/model}s a model id stands for; {@code field} names it in an error. */
    private List<String> resolve(String field, String model) {
        if (model.indexOf('/') > 0) {
            return List.of(model);
        }
        List<String> route = routes.get(model);
        if (route != null) {
            return route;
        }
        return defaultProvider.map(provider -> List.of(provider + "/" + model))
                .orElseThrow(() -> GatewayException.badRequest(field + ": '" + model + "' (expected: \"provider/model\","
                        + " e.g. \"openai/gpt-4o\"" + (catchAll.isPresent() ? ", any provider while offline"
                        : "; configured providers: " + String.join(", ", providers.keySet())) + routeNames("; routes: ")
                        + "; a model id alone goes to default_provider, which is not set)"));
    }

    /** The route for a {@code provider/model}; a 404 when no upstream serves the provider. */
    public Route route(String model) {
        int slash = model.indexOf('/');
        String provider = model.substring(0, slash);
        UpstreamConfig upstream = Optional.ofNullable(providers.get(provider)).or(() -> catchAll)
                .orElseThrow(() -> GatewayException.invalid(404, ErrorTypes.NOT_FOUND,
                        "unknown provider: '" + provider + "' (expected one of: " + providers.keySet()
                                + routeNames("; or a route: ") + ")"));
        return new Route(upstream, model, model.substring(slash + 1));
    }

    private String routeNames(String prefix) {
        return routes.isEmpty() ? "" : prefix + String.join(", ", routes.keySet());
    }

    /** The {@code provider/model} ids the configured providers list ({@code models}). */
    public List<String> configuredModels() {
        return providers.values().stream()
                .flatMap(upstream -> upstream.models().stream().map(model -> upstream.name() + "/" + model)).toList();
    }

    /** Whether the provider lists its models itself, so that the catalog's do not stand for them. */
    public boolean listsModels(String provider) {
        return providers.containsKey(provider) && !providers.get(provider).models().isEmpty();
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        new SecureRandom().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    /** True when the provider of {@code provider/model} ids can be routed. */
    public boolean serves(String provider) {
        return catchAll.isPresent() || providers.containsKey(provider);
    }
}
