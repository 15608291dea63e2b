package dev.anyrouter.accounting;

import dev.anyrouter.api.ModelList;
import dev.anyrouter.config.Price;
import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The price of every model: the bundled catalog's, overridden or added to by {@code ANYROUTER_PRICES}, and
 * {@code ANYROUTER_DEFAULT_PRICE} for any other model.
 */
public final class Prices {

    private final Map<String, Price> byModel;
    private final Price fallback;

    private Prices(Map<String, Price> byModel, Price fallback) {
        this.byModel = Collections.unmodifiableMap(byModel);
        this.fallback = fallback;
    }

    public static Prices of(List<ModelList.Model> catalog, Map<String, Price> overrides, Price fallback) {
        Map<String, Price> prices = new LinkedHashMap<>();
        for (ModelList.Model model : catalog) {
            String where = "models.json " + model.id();
            prices.put(model.id(), new Price(Price.amount(model.pricing().prompt(), where),
                    Price.amount(model.pricing().completion(), where)));
        }
        prices.putAll(overrides);
        return new Prices(prices, fallback);
    }

    /** The price of {@code provider/model}: its own, or the default. */
    public Price of(String model) {
        return byModel.getOrDefault(model, fallback);
    }

    /** Whether {@code model} has a price of its own (else it is billed at the default). */
    public boolean listed(String model) {
        return byModel.containsKey(model);
    }

    /** Every model with a price of its own: the catalog's, then those only in the configuration. */
    public Map<String, Price> all() {
        return byModel;
    }

    /** A price as the models list and the generation API show it: a plain decimal string. */
    public static String plain(BigDecimal amount) {
        return Price.normal(amount).toPlainString();
    }
}
