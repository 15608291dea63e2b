package dev.anyrouter.it;

import static dev.anyrouter.it.Chunks.content;
import static dev.anyrouter.it.Chunks.finish;
import static dev.anyrouter.it.Chunks.role;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyrouter.store.KeyHash;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The admin API ({@code /api/v1/keys}, behind {@code ANYROUTER_ADMIN_KEY}) end to end: a key it makes works at
 * once, its changes (disabled, limit, label) take effect at once on this gateway, every malformed request is a
 * JSON 400, and only the admin key opens it. The key reload is set to an hour, so nothing here can pass by the
 * periodic reload.
 */
class AdminKeysIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN_KEY = "admin-key-0123456789abcdef";
    private static final String ADMIN = "Bearer " + ADMIN_KEY;
    private static final String NO_RELOAD = "3600000";
    private static final String PRICES = "openai/gpt-4o=0.000001:0.000002";
    private static final String CHAT = "/api/v1/chat/completions";
    private static final String STREAM = "{\"model\":\"openai/gpt-4o\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Count to 3\"}]}";
    private static final String MESSAGES_STREAM = "{\"model\":\"openai/gpt-4o\",\"max_tokens\":64,\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Count to 3\"}]}";
    private static final String USAGE = "{\"id\":\"chatcmpl-up\",\"object\":\"chat.completion.chunk\",\"created\":"
            + "1700000000,\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,"
            + "\"total_tokens\":11}}";

    private Gateway gateway;
    private ScriptedUpstream upstream;

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    /** An answer read to its end. */
    private record Reply(int status, Map<String, String> headers, String body) {

        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }

        JsonNode data() throws IOException {
            return json().path("data");
        }
    }

    @Test
    void aCreatedKeyStreamsAtOnceAndSeesItsOwnUsageWhichTheListShowsWithoutTheKey() throws Exception {
        gateway = Gateway.offline("ANYROUTER_ADMIN_KEY", ADMIN_KEY, "ANYROUTER_KEY_REFRESH_MS", NO_RELOAD,
                "ANYROUTER_PRICES", PRICES);
        Instant before = Instant.now();

        Reply created = call("POST", "/api/v1/keys", ADMIN, "{\"label\":\"  team a  \",\"limit\":10}");

        assertThat(created.status).isEqualTo(201);
        assertThat(created.headers.get("content-type")).startsWith("application/json");
        JsonNode answer = created.json();
        String key = answer.path("key").asText();
        JsonNode data = answer.path("data");
        String id = data.path("id").asText();
        assertThat(key).startsWith("ar-").hasSizeGreaterThan(40);
        assertThat(id).isEqualTo(KeyHash.id(KeyHash.sha256Hex(key)));
        assertThat(fields(data)).containsExactly("id", "label", "usage", "limit", "limit_remaining", "rpm", "tpm",
                "disabled", "source", "created_at");
        assertThat(data.path("label").asText()).isEqualTo("team a");
        assertThat(data.path("limit").decimalValue()).isEqualByComparingTo("10");
        assertThat(data.path("usage").decimalValue()).isEqualByComparingTo("0");
        assertThat(data.path("limit_remaining").decimalValue()).isEqualByComparingTo("10");
        assertThat(data.path("disabled").isBoolean()).isTrue();
        assertThat(data.path("disabled").asBoolean()).isFalse();
        assertThat(data.path("source").asText()).isEqualTo("admin");
        assertThat(Instant.parse(data.path("created_at").asText()))
                .isBetween(before.minusSeconds(1), Instant.now().plusSeconds(1));

        // usable at once, with no reload in between
        String generation;
        try (RawClient client = RawClient.connect(gateway.uri()).post(CHAT, "Bearer " + key, STREAM)) {
            assertThat(client.status).isEqualTo(200);
            generation = client.headers.get("x-generation-id");
            assertThat(Chunks.withoutComments(client.rest())).contains("\"content\":")
                    .endsWith("data: [DONE]\n\n");
        }
        BigDecimal cost = ledgerCost(key, generation);
        assertThat(cost).isPositive();

        Reply account = call("GET", "/api/v1/key", "Bearer " + key, null);
        assertThat(account.status).isEqualTo(200);
        JsonNode mine = account.data();
        assertThat(fields(mine)).containsExactly("label", "usage", "limit", "limit_remaining", "is_free_tier");
        assertThat(mine.path("label").asText()).isEqualTo("team a");
        assertThat(mine.path("usage").decimalValue()).isEqualByComparingTo(cost);
        assertThat(mine.path("limit").decimalValue()).isEqualByComparingTo("10");
        assertThat(mine.path("limit_remaining").decimalValue()).isEqualByComparingTo(BigDecimal.TEN.subtract(cost));
        assertThat(mine.path("is_free_tier").asBoolean(true)).isFalse();

        Reply list = call("GET", "/api/v1/keys", ADMIN, null);
        assertThat(list.status).isEqualTo(200);
        assertThat(list.body).doesNotContain(key).doesNotContain(KeyHash.sha256Hex(key))
                .doesNotContain(Gateway.KEY).doesNotContain(KeyHash.sha256Hex(Gateway.KEY));
        JsonNode keys = list.data();
        assertThat(keys.size()).isEqualTo(2);
        JsonNode bootstrap = keys.get(0);
        JsonNode listed = keys.get(1);
        assertThat(bootstrap.path("source").asText()).isEqualTo("env");
        assertThat(bootstrap.path("limit").isNull()).isTrue();
        assertThat(bootstrap.path("limit_remaining").isNull()).isTrue();
        assertThat(fields(listed)).containsExactly("id", "label", "usage", "limit", "limit_remaining", "rpm", "tpm",
                "disabled", "source", "created_at");
        assertThat(listed.path("id").asText()).isEqualTo(id);
        assertThat(listed.path("label").asText()).isEqualTo("team a");
        assertThat(listed.path("usage").decimalValue()).isEqualByComparingTo(cost);
        assertThat(listed.path("limit_remaining").decimalValue()).isEqualByComparingTo(BigDecimal.TEN.subtract(cost));

        Reply one = call("GET", "/api/v1/keys/" + id, ADMIN, null);
        assertThat(one.status).isEqualTo(200);
        assertThat(one.body).as("the key is shown once, at its creation").doesNotContain(key);
        assertThat(one.data()).isEqualTo(listed);
    }

    @Test
    void disablingAKeyRefusesItAtOnceAndEnablingItRestoresIt() throws Exception {
        gateway = Gateway.offline("ANYROUTER_ADMIN_KEY", ADMIN_KEY, "ANYROUTER_KEY_REFRESH_MS", NO_RELOAD);
        JsonNode created = create("{\"label\":\"intern\"}");
        String key = created.path("key").asText();
        String id = created.path("data").path("id").asText();
        assertThat(streamStatus(key)).isEqualTo(200);

        Reply disabled = call("PATCH", "/api/v1/keys/" + id, ADMIN, "{\"disabled\":true}");
        assertThat(disabled.status).isEqualTo(200);
        assertThat(disabled.data().path("disabled").asBoolean()).isTrue();

        Reply refused = call("POST", CHAT, "Bearer " + key, STREAM);
        assertThat(refused.status).isEqualTo(403);
        assertThat(refused.json().path("error").path("type").asText()).isEqualTo("permission_error");
        assertThat(refused.json().path("error").path("message").asText()).contains("'intern'").contains("disabled");
        assertThat(call("GET", "/api/v1/key", "Bearer " + key, null).status).isEqualTo(403);
        Reply listed = call("GET", "/api/v1/keys/" + id, ADMIN, null);
        assertThat(listed.data().path("disabled").asBoolean()).isTrue();
        assertThat(streamStatus(Gateway.KEY)).as("other keys are untouched").isEqualTo(200);

        Reply enabled = call("PATCH", "/api/v1/keys/" + id, ADMIN, "{\"disabled\":false,\"label\":\"staff\"}");
        assertThat(enabled.status).isEqualTo(200);
        assertThat(enabled.data().path("disabled").asBoolean()).isFalse();
        assertThat(enabled.data().path("label").asText()).isEqualTo("staff");
        assertThat(streamStatus(key)).isEqualTo(200);
        assertThat(call("GET", "/api/v1/key", "Bearer " + key, null).data().path("label").asText())
                .isEqualTo("staff");
    }

    @Test
    void aKeyOverItsLimitIsRefusedWith402BeforeTheUpstreamIsCalledOnBothApis() throws Exception {
        upstream = new ScriptedUpstream();
        upstream.script(x -> x.sseHead().data(role()).data(content("Hello")).data(finish("stop")).data(USAGE)
                .data("[DONE]").end());
        gateway = Gateway.against(upstream.baseUri(), "ANYROUTER_ADMIN_KEY", ADMIN_KEY, "ANYROUTER_KEY_REFRESH_MS",
                NO_RELOAD, "ANYROUTER_PRICES", PRICES);
        JsonNode created = create("{\"label\":\"capped\",\"limit\":1}");
        String key = created.path("key").asText();
        String id = created.path("data").path("id").asText();

        String generation;
        try (RawClient client = RawClient.connect(gateway.uri()).post(CHAT, "Bearer " + key, STREAM)) {
            assertThat(client.status).isEqualTo(200);
            generation = client.headers.get("x-generation-id");
            client.rest();
        }
        upstream.next();
        assertThat(ledgerCost(key, generation)).isEqualByComparingTo("0.000013"); // 9 × 1 µUSD + 2 × 2 µUSD

        Reply capped = call("PATCH", "/api/v1/keys/" + id, ADMIN, "{\"limit\":0.000001}");
        assertThat(capped.status).isEqualTo(200);
        assertThat(capped.data().path("limit").decimalValue()).isEqualByComparingTo("0.000001");
        assertThat(capped.data().path("usage").decimalValue()).isEqualByComparingTo("0.000013");
        assertThat(capped.data().path("limit_remaining").decimalValue()).isEqualByComparingTo("0");

        Reply refused = call("POST", CHAT, "Bearer " + key, STREAM);
        assertThat(refused.status).isEqualTo(402);
        assertThat(refused.headers.get("content-type")).startsWith("application/json");
        JsonNode error = refused.json().path("error");
        assertThat(error.path("code").asInt()).isEqualTo(402);
        assertThat(error.path("type").asText()).isEqualTo("insufficient_credits");
        assertThat(error.path("message").asText()).contains("'capped'").contains("credit limit")
                .contains("0.000013 of 0.000001 USD");
        Reply notStreamed = call("POST", CHAT, "Bearer " + key, STREAM.replace("\"stream\":true,", ""));
        assertThat(notStreamed.status).isEqualTo(402);

        Reply messages;
        try (RawClient client = RawClient.connect(gateway.uri()).postJson("/api/v1/messages", MESSAGES_STREAM,
                "x-api-key: " + key, "anthropic-version: 2023-06-01")) {
            messages = new Reply(client.status, client.headers, client.rest());
        }
        assertThat(messages.status).isEqualTo(402);
        assertThat(messages.json().path("type").asText()).isEqualTo("error");
        assertThat(messages.json().path("error").path("type").asText()).isEqualTo("billing_error");
        assertThat(messages.json().path("error").path("message").asText()).contains("credit limit");
        assertThat(upstream.idle()).as("no refused request reached the upstream").isTrue();

        Reply account = call("GET", "/api/v1/key", "Bearer " + key, null);
        assertThat(account.data().path("limit_remaining").decimalValue()).isEqualByComparingTo("0");

        // exactly at the limit is over it
        assertThat(call("PATCH", "/api/v1/keys/" + id, ADMIN, "{\"limit\":0.000013}").status).isEqualTo(200);
        assertThat(call("POST", CHAT, "Bearer " + key, STREAM).status).isEqualTo(402);
        assertThat(upstream.idle()).isTrue();

        // without a limit it is served again
        Reply lifted = call("PATCH", "/api/v1/keys/" + id, ADMIN, "{\"limit\":null}");
        assertThat(lifted.data().path("limit").isNull()).isTrue();
        assertThat(lifted.data().path("limit_remaining").isNull()).isTrue();
        assertThat(streamStatus(key)).isEqualTo(200);
        assertThat(upstream.next().requestLine).startsWith("POST /v1/chat/completions");
    }

    @Test
    void malformedAdminRequestsAreJson400sAndUnknownIdsAre404s() throws Exception {
        gateway = Gateway.offline("ANYROUTER_ADMIN_KEY", ADMIN_KEY, "ANYROUTER_KEY_REFRESH_MS", NO_RELOAD);
        String id = create("{\"label\":\"target\",\"limit\":5}").path("data").path("id").asText();

        String keys = "/api/v1/keys";
        String one = "/api/v1/keys/" + id;
        for (String field : List.of("admin", "disabled")) {
            assertBadRequest("POST", keys, "{\"label\":\"x\",\"" + field + "\":true}", field + ": unknown field");
        }
        for (String body : List.of("{}", "{\"limit\":5}")) {
            assertBadRequest("POST", keys, body, "label: missing");
        }
        for (String label : List.of("\"   \"", "null", "7", "\"" + "x".repeat(201) + "\"")) {
            assertBadRequest("POST", keys, "{\"label\":" + label + "}", "label:");
        }
        for (String limit : List.of("-1", "\"5\"", "0.0000000000001", "1e30")) {
            assertBadRequest("POST", keys, "{\"label\":\"x\",\"limit\":" + limit + "}", "limit:");
        }
        for (String notJson : List.of("{\"label\":", "label=x")) {
            assertBadRequest("POST", keys, notJson, "not valid JSON");
            assertBadRequest("PATCH", one, notJson, "not valid JSON");
        }
        assertBadRequest("POST", keys, "[{\"label\":\"x\"}]", "JSON object");
        assertBadRequest("PATCH", one, "{\"key\":\"ar-mine\"}", "key: unknown field");
        assertBadRequest("PATCH", one, "{\"disabled\":\"yes\"}", "disabled:");
        for (String limit : List.of("-0.5", "\"none\"", "1e30")) {
            assertBadRequest("PATCH", one, "{\"limit\":" + limit + "}", "limit:");
        }
        for (String body : List.of("{\"label\":\"\"}", "{\"disabled\":true,\"label\":\" \"}")) {
            assertBadRequest("PATCH", one, body, "label:");
        }

        JsonNode unchanged = call("GET", "/api/v1/keys/" + id, ADMIN, null).data();
        assertThat(unchanged.path("label").asText()).isEqualTo("target");
        assertThat(unchanged.path("limit").decimalValue()).isEqualByComparingTo("5");
        assertThat(unchanged.path("disabled").asBoolean()).as("a refused change changes nothing").isFalse();
        assertThat(call("GET", "/api/v1/keys", ADMIN, null).data().size()).as("nothing created").isEqualTo(2);

        for (Reply missing : List.of(call("GET", "/api/v1/keys/key-0000000000000000", ADMIN, null),
                call("PATCH", "/api/v1/keys/key-0000000000000000", ADMIN, "{\"disabled\":true}"))) {
            assertThat(missing.status).isEqualTo(404);
            assertThat(missing.json().path("error").path("type").asText()).isEqualTo("not_found_error");
            assertThat(missing.json().path("error").path("message").asText()).contains("key-0000000000000000");
        }
    }

    @Test
    void withoutAnAdminKeyTheAdminApiIsOff() throws Exception {
        gateway = Gateway.offline();

        for (String auth : List.of(Gateway.BEARER, ADMIN)) {
            Reply list = call("GET", "/api/v1/keys", auth, null);
            assertThat(list.status).isEqualTo(403);
            assertThat(list.json().path("error").path("type").asText()).isEqualTo("permission_error");
            assertThat(list.json().path("error").path("message").asText()).contains("admin API is off")
                    .contains("ANYROUTER_ADMIN_KEY");
        }
        assertThat(call("POST", "/api/v1/keys", ADMIN, "{\"label\":\"x\"}").status).isEqualTo(403);
        assertThat(call("POST", "/api/v1/keys;x=1", Gateway.BEARER, "{\"label\":\"x\"}").status).isEqualTo(403);
        assertThat(gateway.engine().keyStore().list()).hasSize(1);
    }

    @Test
    void onlyTheAdminKeyOpensTheAdminApiAndItIsNoClientKey() throws Exception {
        gateway = Gateway.offline("ANYROUTER_ADMIN_KEY", ADMIN_KEY, "ANYROUTER_KEY_REFRESH_MS", NO_RELOAD);
        String id = gateway.engine().keyStore().list().get(0).id();

        for (String auth : new String[] {"Bearer " + ADMIN_KEY + "x", "Bearer admin-key", Gateway.BEARER, null}) {
            for (Reply refused : List.of(call("GET", "/api/v1/keys", auth, null),
                    call("POST", "/api/v1/keys", auth, "{\"label\":\"x\"}"),
                    call("PATCH", "/api/v1/keys/" + id, auth, "{\"disabled\":true}"))) {
                assertThat(refused.status).as(String.valueOf(auth)).isEqualTo(401);
                assertThat(refused.json().path("error").path("type").asText()).isEqualTo("authentication_error");
            }
        }
        assertThat(call("GET", "/api/v1/keys", "Bearer " + ADMIN_KEY + "x", null).body).contains("invalid admin key");
        try (RawClient client = RawClient.connect(gateway.uri()).postJson("/api/v1/keys", "{\"label\":\"x\"}",
                "x-api-key: " + ADMIN_KEY)) {
            assertThat(client.status).as("x-api-key is for the Messages API only").isEqualTo(401);
        }
        // Jersey ignores matrix parameters when it matches a resource: they must not hide the admin API
        for (String path : List.of("/api/v1/keys;x=1", "/api/v1;x=1/keys", "/api;x/v1/keys",
                "/api/v1/keys;x=1/" + id)) {
            assertThat(call("GET", path, Gateway.BEARER, null).status).as(path).isEqualTo(401);
            assertThat(call("GET", path, null, null).status).as(path).isEqualTo(401);
        }
        assertThat(call("POST", "/api/v1;x/keys", null, "{\"label\":\"x\"}").status).isEqualTo(401);
        assertThat(call("POST", "/api/v1/keys;x", Gateway.BEARER, "{\"label\":\"x\"}").status).isEqualTo(401);
        assertThat(call("PATCH", "/api/v1/keys/" + id + ";x", Gateway.BEARER, "{\"disabled\":true}").status)
                .isEqualTo(401);

        Reply chat = call("POST", CHAT, ADMIN, STREAM);
        assertThat(chat.status).as("the admin key is no client key").isEqualTo(401);
        assertThat(chat.json().path("error").path("message").asText()).isEqualTo("invalid API key");
        assertThat(call("GET", "/api/v1/key", ADMIN, null).status).isEqualTo(401);
        try (RawClient client = RawClient.connect(gateway.uri()).postJson("/api/v1/messages", MESSAGES_STREAM,
                "x-api-key: " + ADMIN_KEY, "anthropic-version: 2023-06-01")) {
            assertThat(client.status).isEqualTo(401);
            assertThat(JSON.readTree(client.rest()).path("error").path("type").asText())
                    .isEqualTo("authentication_error");
        }

        assertThat(gateway.engine().keyStore().list()).as("nothing created, nothing disabled").hasSize(1)
                .allSatisfy(k -> assertThat(k.disabled()).isFalse());
        assertThat(call("GET", "/api/v1/keys", ADMIN, null).status).isEqualTo(200);
        assertThat(streamStatus(Gateway.KEY)).isEqualTo(200);
    }

    private void assertBadRequest(String method, String path, String body, String message) throws IOException {
        Reply reply = call(method, path, ADMIN, body);
        assertThat(reply.status).as(method + " " + body).isEqualTo(400);
        assertThat(reply.headers.get("content-type")).startsWith("application/json");
        JsonNode error = reply.json().path("error");
        assertThat(error.path("code").asInt()).isEqualTo(400);
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("message").asText()).as(method + " " + body).contains(message);
    }

    private JsonNode create(String body) throws IOException {
        Reply created = call("POST", "/api/v1/keys", ADMIN, body);
        assertThat(created.status).as(created.body).isEqualTo(201);
        return created.json();
    }

    private int streamStatus(String key) throws IOException {
        try (RawClient client = RawClient.connect(gateway.uri()).post(CHAT, "Bearer " + key, STREAM)) {
            String body = client.rest();
            if (client.status == 200) {
                assertThat(Chunks.withoutComments(body)).endsWith("data: [DONE]\n\n");
            }
            return client.status;
        }
    }

    /** The generation's cost as its ledger row shows it, once the row exists. */
    private BigDecimal ledgerCost(String key, String generation) {
        return Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> {
            Reply row = call("GET", "/api/v1/generation?id=" + generation, "Bearer " + key, null);
            return row.status == 200 ? row.data().path("total_cost").decimalValue() : null;
        }, Objects::nonNull);
    }

    private Reply call(String method, String path, String authorization, String json) throws IOException {
        try (RawClient client = RawClient.connect(gateway.uri()).send(method, path, authorization, json)) {
            return new Reply(client.status, client.headers, client.rest());
        }
    }

    private static List<String> fields(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
