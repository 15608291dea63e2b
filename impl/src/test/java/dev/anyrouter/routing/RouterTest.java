package dev.anyrouter.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.config.GatewayConfig;
import dev.anyrouter.config.Settings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {

    private static Router router(Map<String, String> values) {
        return Router.from(GatewayConfig.from(Settings.of(values::get)));
    }

    private static List<String> ids(List<Route> routes) {
        return routes.stream().map(Route::requestedModel).toList();
    }

    @Test
    void aRouteAliasIsTriedAsItsChainBeforeTheRequestsOwnFallbacks() {
        Router router = router(Map.of("OPENAI_API_KEY", "k", "GROQ_API_KEY", "g",
                "ANYROUTER_ROUTES", "fast=openai/broken|groq/llama-3.3-70b"));

        List<Route> routes = router.routes("fast", List.of("openai/gpt-4o", "groq/llama-3.3-70b"), "models");

        assertThat(ids(routes)).containsExactly("openai/broken", "groq/llama-3.3-70b", "openai/gpt-4o");
        assertThat(routes.get(1).upstream().name()).isEqualTo("groq");
        assertThat(routes.get(1).upstreamModel()).isEqualTo("llama-3.3-70b");
    }

    @Test
    void aBareModelIdGoesToTheDefaultProvider() {
        Router router = router(Map.of("OPENAI_API_KEY", "k", "ANYROUTER_DEFAULT_PROVIDER", "openai"));

        assertThat(ids(router.routes("gpt-4o"))).containsExactly("openai/gpt-4o");
    }

    @Test
    void withoutADefaultProviderABareModelIdIsA400SayingHowToNameAModel() {
        Router router = router(Map.of("OPENAI_API_KEY", "k", "GROQ_API_KEY", "g",
                "ANYROUTER_ROUTES", "fast=groq/llama"));

        assertThatThrownBy(() -> router.routes("gpt-4o"))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(400))
                .hasMessage("model: 'gpt-4o' (expected: \"provider/model\", e.g. \"openai/gpt-4o\"; configured "
                        + "providers: openai, groq; routes: fast; a model id alone goes to default_provider, which "
                        + "is not set)");
        assertThatThrownBy(() -> router.routes("fast", List.of("openai/a", "gpt-4o"), "models"))
                .hasMessageStartingWith("models[1]: 'gpt-4o' (expected: \"provider/model\"");
    }

    @Test
    void anUnknownProviderIsA404NamingTheProvidersAndRoutes() {
        Router router = router(Map.of("OPENAI_API_KEY", "k", "ANYROUTER_ROUTES", "fast=openai/a"));

        assertThatThrownBy(() -> router.routes("mistral/large"))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(404))
                .hasMessage("unknown provider: 'mistral' (expected one of: [openai]; or a route: fast)");
    }

    @Test
    void offlineTheSimulatorServesEveryProviderAndRoutesStillExpand() {
        Router router = router(Map.of("ANYROUTER_ROUTES", "fast=mine/a|anthropic/b"));

        List<Route> routes = router.routes("fast");

        assertThat(ids(routes)).containsExactly("mine/a", "anthropic/b");
        assertThat(routes).allSatisfy(route -> assertThat(route.upstream().name()).isEqualTo("simulated"));
    }
}
