package dev.anyrouter.routing;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyrouter.api.ModelList;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

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

    /** The catalog's models whose provider the router serves. */
    public ModelList routable(Router router) {
        return new ModelList(models.stream().filter(m -> router.serves(m.id().substring(0, m.id().indexOf('/'))))
                .toList());
    }
}
