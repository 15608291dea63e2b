package dev.anyrouter.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.accounting.CreditBudget;
import dev.anyrouter.accounting.Generation;
import dev.anyrouter.accounting.TokenCounter;
import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.api.errors.Refusal;
import dev.anyrouter.api.spi.Plan;
import dev.anyrouter.api.spi.WireApis;
import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.relay.Target;
import dev.anyrouter.routing.Route;
import dev.anyrouter.store.ClientKey;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The admission of one relayed request, between its resource method and its relay: the checks that may refuse it
 * before any upstream sees it, and its plan (docs/design.md, the request path).
 */
final class Admission {

    private final AnyRouter engine;

    Admission(AnyRouter engine) {
        this.engine = engine;
    }

    /**
     * Admits the request, planned: refused while the gateway drains, when the ledger is failing, for a key over its
     * credit or rate limits; otherwise its routes, generation and targets, with the key's credit reserved. The
     * ticket holds the relay place {@link RelayAdmissionFilter} took, given back however the request ends.
     */
    Ticket admit(RequestState state) {
        RelayAdmissionFilter.Permit permit = state.relayPermit();
        try {
            return plan(state, permit);
        } catch (RuntimeException | Error e) {
            permit.release();
            throw e;
        } finally {
            state.planned();
        }
    }

    private Ticket plan(RequestState state, RelayAdmissionFilter.Permit permit) {
        ClientRequest client = state.client();
        ClientKey key = state.key();
        refuseWhileDraining(engine);
        List<Route> routes = engine.router().routes(client.model(), client.fallbacks(), client.fallbackField());
        engine.credit().checkLedger();
        engine.credit().check(key);
        engine.rateLimits().admit(key);
        String id = "gen-" + UUID.randomUUID().toString().replace("-", "");
        state.generationId(id);
        Generation generation = new Generation(id, key.id(), routes.get(0), client.stream(),
                engine.prices().of(routes.get(0).requestedModel()), client.api(), client.body());
        ObjectNode body = client.upstreamBody();
        List<Target> targets = new ArrayList<>();
        for (Route route : routes) {
            Plan plan = WireApis.plan(client.api(), route.upstream().wireApi(), body, route, generation);
            String path = route.upstream().wire().path(client.api(), route.upstream(), route.upstreamModel());
            targets.add(new Target(route, path, plan.upstreamBody(),
                    ForwardedHeaders.to(route.upstream().wire(), state.forwarded()), plan.codec(),
                    engine.prices().of(route.requestedModel())));
        }
        long promptTokens = key.limit().isEmpty() ? 0
                : TokenCounter.forModel(routes.get(0).upstreamModel()).prompt(client.api(), client.body());
        BigDecimal prompt = BigDecimal.ZERO;
        BigDecimal perToken = BigDecimal.ZERO;
        for (Target target : targets) { // the dearest model: any of them may serve
            prompt = prompt.max(target.price().cost(promptTokens, 0));
            perToken = perToken.max(target.price().completion());
        }
        Optional<CreditBudget> credit = engine.creditLimits().reserve(key, id, prompt, perToken, client.maxTokens(),
                client.stream());
        return new Ticket(permit, targets, generation, credit, promptTokens);
    }

    /** A 503 while the gateway drains: it takes no new request. */
    static void refuseWhileDraining(AnyRouter engine) {
        if (engine.runningRelays().draining()) {
            throw GatewayException.refused(Refusal.DRAINING, 503, ErrorTypes.OVERLOADED,
                    "the gateway is shutting down; try again", Optional.of("1"));
        }
    }

    /**
     * An admitted request: the models to try, in order, each with its upstream request and codec; the generation
     * record; for a limited key, the credit reserved and the prompt tokens it was reserved for; and the relay place,
     * which {@link #close} gives back (again is a no-op).
     */
    record Ticket(RelayAdmissionFilter.Permit permit, List<Target> targets, Generation generation,
            Optional<CreditBudget> credit, long promptTokens) implements AutoCloseable {

        /** The relay thread is let go; the stream goes on and {@link #close} follows at its end. */
        void threadDone() {
            permit.threadDone();
        }

        @Override
        public void close() {
            permit.release();
        }
    }
}
