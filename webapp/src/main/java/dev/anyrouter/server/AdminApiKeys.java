package dev.anyrouter.server;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.anyrouter.json.Json;
import dev.anyrouter.store.ClientKey;
import dev.anyrouter.store.KeyStore;
import dev.anyrouter.store.StoreException;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The {@code keys} CLI's changes through a running gateway's admin API ({@code /api/v1/keys}), with
 * {@code ANYROUTER_ADMIN_KEY}: the embedded database is the gateway's alone while it runs, and the gateway applies
 * a change at once. {@link NoGateway} when nothing answers at the address, so that the CLI opens the database itself.
 */
final class AdminApiKeys implements KeyAccess.Keys {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Usage and limits as exact decimals, as the database holds them. */
    private static final ObjectReader EXACT = Json.MAPPER.reader(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final URI keys;
    private final String adminKey;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    AdminApiKeys(URI gateway, String adminKey) {
        String base = gateway.toString();
        this.keys = URI.create(base + (base.endsWith("/") ? "" : "/") + "api/v1/keys");
        this.adminKey = adminKey;
    }

    /** Nothing listens at the gateway's address: no request was made. */
    static final class NoGateway extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NoGateway(Throwable cause) {
            super(cause.toString(), cause, false, false);
        }
    }

    @Override
    public KeyStore.NewKey create(String label, Optional<BigDecimal> limit, OptionalLong rpm, OptionalLong tpm) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("label", label);
        limit.ifPresent(l -> body.put("limit", l));
        rpm.ifPresent(r -> body.put("rpm", r));
        tpm.ifPresent(t -> body.put("tpm", t));
        JsonNode answer = send("POST", keys, body).orElseThrow(() -> unexpected(404));
        return new KeyStore.NewKey(answer.path("key").asText(), key(answer.path("data")));
    }

    @Override
    public List<ClientKey> list() {
        List<ClientKey> list = new ArrayList<>();
        send("GET", keys, null).orElseThrow(() -> unexpected(404)).path("data").forEach(k -> list.add(key(k)));
        return list;
    }

    @Override
    public Optional<ClientKey> setDisabled(String id, boolean disabled) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("disabled", disabled);
        URI one = URI.create(keys + "/" + java.net.URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20"));
        return send("PATCH", one, body).map(answer -> key(answer.path("data")));
    }

    /** The answer's JSON, or empty for a 404; another error status is a {@link StoreException} with its message. */
    private Optional<JsonNode> send(String method, URI uri, JsonNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + adminKey).header("Accept", "application/json");
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(Json.write(body)));
        }
        HttpResponse<String> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException e) {
            throw new NoGateway(e);
        } catch (IOException e) {
            throw new StoreException("the gateway's admin API at " + keys + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted", e);
        }
        if (response.statusCode() == 404 && method.equals("PATCH")) {
            return Optional.empty();
        }
        JsonNode answer;
        try {
            answer = EXACT.readTree(response.body());
        } catch (IOException | RuntimeException e) {
            throw unexpected(response.statusCode());
        }
        if (response.statusCode() / 100 != 2) {
            String message = answer == null ? "" : answer.path("error").path("message").asText("");
            throw new StoreException("the gateway's admin API at " + keys + " answered " + response.statusCode()
                    + (message.isEmpty() ? "" : ": " + message), null);
        }
        return Optional.ofNullable(answer);
    }

    private StoreException unexpected(int status) {
        return new StoreException("the gateway's admin API at " + keys + " answered " + status
                + " without the expected JSON (is ANYROUTER_GATEWAY_URL the gateway's address?)", null);
    }

    private static ClientKey key(JsonNode node) {
        return new ClientKey(node.path("id").asText(), "", node.path("label").asText(),
                node.path("limit").isNumber() ? Optional.of(node.path("limit").decimalValue()) : Optional.empty(),
                rate(node.path("rpm")), rate(node.path("tpm")), node.path("usage").decimalValue(),
                node.path("disabled").asBoolean(), node.path("source").asText(),
                node.path("created_at").isTextual() ? Instant.parse(node.path("created_at").asText()) : Instant.EPOCH);
    }

    private static OptionalLong rate(JsonNode node) {
        return node.isIntegralNumber() ? OptionalLong.of(node.asLong()) : OptionalLong.empty();
    }
}
