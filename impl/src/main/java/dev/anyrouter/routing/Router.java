package dev.anyrouter.routing;

import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.config.Api;
import dev.anyrouter.config.BreakerConfig;
import dev.anyrouter.config.GatewayConfig;
import dev.anyrouter.config.Secret;
import dev.anyrouter.config.UpstreamConfig;
import dev.anyrouter.errors.GatewayException;
import java.net.URI;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Maps {@code provider/model} to an upstream. With no upstream configured (the offline default) every provider
 * is served by the built-in simulated upstream, which the gateway reaches over HTTP at its own address.
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
    private final Map<UpstreamConfig, Endpoints> endpoints = new HashMap<>();

    private Router(Map<String, UpstreamConfig> providers, Optional<UpstreamConfig> catchAll, BreakerConfig breaker) {
        this.providers = Map.copyOf(providers);
        this.catchAll = catchAll;
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
                    Optional.of(SIMULATOR_KEY), Api.MESSAGES)), Optional.of(new UpstreamConfig("simulated",
                    SIMULATOR_BASE, Optional.of(SIMULATOR_KEY), Api.CHAT_COMPLETIONS)), config.breaker().off());
        }
        return new Router(config.upstreams().stream()
                .collect(Collectors.toMap(UpstreamConfig::name, Function.identity())), Optional.empty(),
                config.breaker());
    }

    /** The endpoints of an upstream this router routes to, with their breakers. */
    public Endpoints endpoints(UpstreamConfig upstream) {
        return Optional.ofNullable(endpoints.get(upstream)).orElseThrow(() -> new IllegalArgumentException(
                "upstream: '" + upstream.name() + "' (expected: one of this router's)"));
    }

    /** The route for a validated {@code provider/model}; a 404 when no upstream serves the provider. */
    public Route route(String model) {
        int slash = model.indexOf('/');
        String provider = model.substring(0, slash);
        UpstreamConfig upstream = Optional.ofNullable(providers.get(provider)).or(() -> catchAll)
                .orElseThrow(() -> new GatewayException(404, ErrorTypes.NOT_FOUND,
                        "unknown provider: '" + provider + "' (expected one of: " + providers.keySet() + ")"));
        return new Route(upstream, model, model.substring(slash + 1));
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
