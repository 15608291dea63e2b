package dev.anyrouter.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anyrouter.api.AdminKey;
import dev.anyrouter.api.CreatedKey;
import dev.anyrouter.api.DataBody;
import dev.anyrouter.api.ErrorTypes;
import dev.anyrouter.api.errors.GatewayException;
import dev.anyrouter.config.LimitsConfig;
import dev.anyrouter.config.Price;
import dev.anyrouter.engine.AnyRouter;
import dev.anyrouter.json.Json;
import dev.anyrouter.store.ClientKey;
import dev.anyrouter.store.KeyStore;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.glassfish.jersey.server.ManagedAsync;

/**
 * The admin API, behind {@code ANYROUTER_ADMIN_KEY} ({@link AuthFilter}): {@code GET/POST /api/v1/keys} lists and
 * creates client keys, {@code GET/PATCH /api/v1/keys/{id}} reads one and changes its label, credit limit, rate
 * limits ({@code rpm}, {@code tpm}) or disabled flag. A new key is returned once, in the creation's answer; only its hash is stored. Changes apply to this
 * replica at once and to others at their next key reload.
 */
@Singleton
@Path(AdminKeysResource.PATH)
public final class AdminKeysResource {

    static final String PATH = "api/v1/keys";
    private static final Set<String> CREATE_FIELDS = Set.of("label", "limit", "rpm", "tpm");
    private static final Set<String> CHANGE_FIELDS = Set.of("label", "limit", "rpm", "tpm", "disabled");

    private final AnyRouter engine;

    @Inject
    public AdminKeysResource(AnyRouter engine) {
        this.engine = engine;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @ManagedAsync
    @Bounded
    public String list() {
        return Json.write(new DataBody<>(engine.keyStore().list().stream().map(this::view).toList()));
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    @ManagedAsync
    @Bounded
    public Response create(String body) {
        JsonNode request = object(body, CREATE_FIELDS);
        KeyStore.NewKey created = engine.keyStore().create(label(request.path("label"), true), limit(request),
                rate(request, "rpm", LimitsConfig.MAX_RPM), rate(request, "tpm", LimitsConfig.MAX_TPM));
        engine.keys().update(created.record());
        return Response.status(201).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Json.write(new CreatedKey(view(created.record()), created.key()))).build();
    }

    @GET
    @Path("{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @ManagedAsync
    @Bounded
    public String get(@PathParam("id") String id) {
        return wrap(engine.keyStore().find(id).orElseThrow(() -> notFound(id)));
    }

    @PATCH
    @Path("{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @ManagedAsync
    @Bounded
    public String change(@PathParam("id") String id, String body) {
        JsonNode request = object(body, CHANGE_FIELDS);
        // every field is checked before any is changed: a refused change changes nothing
        String label = request.has("label") ? label(request.path("label"), false) : null;
        Optional<BigDecimal> limit = limit(request);
        OptionalLong rpm = rate(request, "rpm", LimitsConfig.MAX_RPM);
        OptionalLong tpm = rate(request, "tpm", LimitsConfig.MAX_TPM);
        if (request.has("disabled") && !request.path("disabled").isBoolean()) {
            throw GatewayException.badRequest("disabled: expected true or false");
        }
        KeyStore store = engine.keyStore();
        ClientKey key = store.find(id).orElseThrow(() -> notFound(id));
        if (label != null) {
            key = store.setLabel(id, label).orElseThrow(() -> notFound(id));
        }
        if (request.has("limit")) {
            key = store.setLimit(id, limit).orElseThrow(() -> notFound(id));
        }
        if (request.has("rpm")) {
            key = store.setRpm(id, rpm).orElseThrow(() -> notFound(id));
        }
        if (request.has("tpm")) {
            key = store.setTpm(id, tpm).orElseThrow(() -> notFound(id));
        }
        if (request.has("disabled")) {
            key = store.setDisabled(id, request.path("disabled").asBoolean()).orElseThrow(() -> notFound(id));
        }
        engine.keys().update(key);
        return wrap(key);
    }

    private AdminKey view(ClientKey key) {
        BigDecimal spent = engine.credit().spent(key);
        return new AdminKey(key.id(), key.label(), Price.normal(spent), key.limit().orElse(null),
                key.remaining(spent).map(Price::normal).orElse(null), boxed(key.rpm()), boxed(key.tpm()),
                key.disabled(), key.source(), key.createdAt().toString());
    }

    private static Long boxed(OptionalLong rate) {
        return rate.isPresent() ? rate.getAsLong() : null;
    }

    private String wrap(ClientKey key) {
        return Json.write(new DataBody<>(view(key)));
    }

    private static JsonNode object(String body, Set<String> allowed) {
        JsonNode node;
        try {
            node = body == null || body.isBlank() ? Json.MAPPER.createObjectNode() : Json.CLIENT.readTree(body);
        } catch (IOException | Json.NonFiniteNumber e) {
            throw GatewayException.badRequest("the body is not valid JSON (expected: one JSON object, finite "
                    + "numbers)");
        }
        if (!node.isObject()) {
            throw GatewayException.badRequest("the body must be a JSON object");
        }
        node.fieldNames().forEachRemaining(name -> {
            if (!allowed.contains(name)) {
                throw GatewayException.badRequest(name + ": unknown field (expected: " + String.join(", ",
                        allowed.stream().sorted().toList()) + ")");
            }
        });
        return node;
    }

    private static String label(JsonNode label, boolean required) {
        if (label.isMissingNode() && required) {
            throw GatewayException.badRequest("label: missing (expected: a name for the key)");
        }
        if (!label.isTextual() || label.asText().isBlank() || label.asText().length() > 200) {
            throw GatewayException.badRequest("label: expected a non-empty string of at most 200 characters");
        }
        return label.asText().strip();
    }

    /** {@code limit}: USD ({@link KeyStore#limit}), or null (or absent) for none. */
    static Optional<BigDecimal> limit(JsonNode request) {
        JsonNode limit = request.path("limit");
        if (limit.isMissingNode() || limit.isNull()) {
            return Optional.empty();
        }
        if (!limit.isNumber()) {
            throw GatewayException.badRequest("limit: expected a number of USD or null");
        }
        try {
            return Optional.of(KeyStore.limit(limit.asText(), "limit"));
        } catch (IllegalArgumentException e) {
            throw GatewayException.badRequest(e.getMessage());
        }
    }

    /** {@code rpm} or {@code tpm}: a whole number, 0 for unlimited, or null (or absent) for the gateway's default. */
    static OptionalLong rate(JsonNode request, String field, long max) {
        JsonNode rate = request.path(field);
        if (rate.isMissingNode() || rate.isNull()) {
            return OptionalLong.empty();
        }
        if (!rate.isIntegralNumber()) {
            throw GatewayException.badRequest(field + ": expected a whole number (0: unlimited) or null (the "
                    + "gateway's default)");
        }
        try {
            return OptionalLong.of(KeyStore.rate(rate.asText(), field, max));
        } catch (IllegalArgumentException e) {
            throw GatewayException.badRequest(e.getMessage());
        }
    }

    private static GatewayException notFound(String id) {
        return GatewayException.invalid(404, ErrorTypes.NOT_FOUND, "no key '" + id + "'");
    }
}
