package dev.anyrouter.accounting;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyrouter.accounting.Prices;
import dev.anyrouter.api.ModelList;
import dev.anyrouter.config.Price;
import dev.anyrouter.routing.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The bundled list of well-known models with their context windows and prices ({@code models.json}). */
public final class ModelCatalog {

    private final List<ModelList.Model> models;

    private ModelCatalog(List<ModelList.Model> models) {
        this.models = List.copyOf(models);
    }

    public static ModelCatalog bundled(ObjectMapper json) {
        try (InputStream in = ModelCatalog.class.getResourceAsStream("models.json")) {
            if (in == null) {
                throw new IllegalStateException("models.json is missing from the classpath");
            }
            return new ModelCatalog(json.readValue(in, ModelList.class).data());
        } catch (IOException e) {
            throw new UncheckedIOException("models.json cannot be read", e);
        }
    }

    public List<ModelList.Model> models() {
        return models;
    }

    /**
     * The models whose provider the router serves, with their prices as billed: the catalog's models, then those
     * priced only in the configuration, then those a provider's {@code models} list (at the default price unless
     * priced). A provider with a {@code models} list is listed with those alone.
     */
    public ModelList routable(Router router, Prices prices) {
        List<ModelList.Model> listed = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        Map<String, ModelList.Model> known = new HashMap<>();
        for (ModelList.Model m : models) {
            ids.add(m.id());
            known.put(m.id(), m);
            listed.add(new ModelList.Model(m.id(), m.name(), m.contextLength(), pricing(prices.of(m.id()))));
        }
        prices.all().forEach((id, price) -> {
            if (ids.add(id)) {
                listed.add(new ModelList.Model(id, id, null, pricing(price)));
            }
        });
        listed.removeIf(m -> router.listsModels(provider(m.id())));
        for (String id : router.configuredModels()) {
            ModelList.Model m = known.get(id);
            listed.add(new ModelList.Model(id, m == null ? id : m.name(), m == null ? null : m.contextLength(),
                    pricing(prices.of(id))));
        }
        return new ModelList(listed.stream().filter(m -> router.serves(provider(m.id()))).toList());
    }

    private static String provider(String id) {
        return id.substring(0, id.indexOf('/'));
    }

    private static ModelList.Pricing pricing(Price price) {
        return new ModelList.Pricing(Prices.plain(price.prompt()), Prices.plain(price.completion()));
    }
}
