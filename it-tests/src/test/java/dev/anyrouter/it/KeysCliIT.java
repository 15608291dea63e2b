package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anyrouter.config.StorageConfig;
import dev.anyrouter.store.ClientKey;
import dev.anyrouter.store.Database;
import dev.anyrouter.store.KeyHash;
import dev.anyrouter.store.KeyStore;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar anyrouter.jar keys …} as an operator runs it: against the embedded database under
 * {@code ANYROUTER_DATA_DIR} when no gateway runs on it, and through a running gateway's admin API
 * ({@code ANYROUTER_ADMIN_KEY}, {@code ANYROUTER_GATEWAY_URL}), which then admits or refuses the key at once. The
 * embedded database is the running gateway's alone: without the admin key the CLI says how to reach it.
 */
class KeysCliIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern KEY = Pattern.compile("ar-[A-Za-z0-9_-]{43}");
    private static final Pattern ID = Pattern.compile("\\bid (key-[0-9a-f]{16}),");
    private static final String ADMIN_KEY = "admin-key-for-the-cli-0123456789";
    private static final String STREAM = "{\"model\":\"openai/gpt-4o\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Count to 3\"}]}";

    @TempDir
    Path work;

    /** One run of the CLI. */
    private record Run(int exit, String out, String err) {
    }

    @Test
    void createListAndDisableKeysOnTheEmbeddedDatabase() throws Exception {
        Path data = work.resolve("data");

        Run created = keys(data, "create", "--label", "ci", "--limit", "10");
        assertThat(created.exit).as(created.err).isZero();
        String key = created.out.lines().findFirst().orElseThrow();
        assertThat(key).as("the key, alone on the first line").matches(KEY);
        Matcher id = ID.matcher(created.out);
        assertThat(id.find()).as(created.out).isTrue();
        String keyId = id.group(1);
        assertThat(created.out).contains("label 'ci'").contains("limit 10 USD");
        assertThat(Files.exists(data)).as("the database is made under ANYROUTER_DATA_DIR").isTrue();

        Run unlimited = keys(data, "create", "--label", "batch jobs");
        assertThat(unlimited.exit).as(unlimited.err).isZero();
        String other = unlimited.out.lines().findFirst().orElseThrow();
        assertThat(other).matches(KEY).isNotEqualTo(key);
        assertThat(unlimited.out).contains("limit none").doesNotContain("rpm").doesNotContain("tpm");

        Run limited = keys(data, "create", "--label", "throttled", "--rpm", "30", "--tpm", "0");
        assertThat(limited.exit).as(limited.err).isZero();
        assertThat(limited.out).contains("rpm 30, tpm unlimited");
        Matcher limitedId = ID.matcher(limited.out);
        assertThat(limitedId.find()).isTrue();
        try (Database db = Database.open(StorageConfig.embedded(data))) {
            ClientKey stored = new KeyStore(db).find(limitedId.group(1)).orElseThrow();
            assertThat(stored.rpm()).hasValue(30);
            assertThat(stored.tpm()).hasValue(0);
        }

        Run list = keys(data, "list");
        assertThat(list.exit).as(list.err).isZero();
        assertThat(list.out).doesNotContain(key).doesNotContain(other)
                .doesNotContain(KeyHash.sha256Hex(key));
        assertThat(row(list, keyId)).containsExactly(keyId, "enabled", "0", "10", "admin", "ci");
        assertThat(row(list, "batch jobs")).containsSequence("enabled", "0", "-", "admin", "batch", "jobs");

        Run disabled = keys(data, "disable", keyId);
        assertThat(disabled.exit).as(disabled.err).isZero();
        assertThat(disabled.out).contains(keyId).contains("disabled");
        Run after = keys(data, "list");
        assertThat(row(after, keyId)).containsExactly(keyId, "disabled", "0", "10", "admin", "ci");
        assertThat(row(after, "batch jobs")).contains("enabled");
        // 'keys enable' is shown working against a running gateway below
    }

    @Test
    void unknownIdsAndBadOptionsFailWithAMessage() throws Exception {
        Path data = work.resolve("data");

        for (String command : List.of("disable", "enable")) {
            Run unknown = keys(data, command, "key-0000000000000000");
            assertThat(unknown.exit).as(command).isNotZero();
            assertThat(unknown.err).contains("no key 'key-0000000000000000'");
        }
        for (String limit : List.of("abc", "-1", "1e30", "1e999999999")) {
            Run bad = keys(data, "create", "--label", "x", "--limit", limit);
            assertThat(bad.exit).as("--limit " + limit + ": " + bad.err).isEqualTo(2);
            assertThat(bad.err).contains("--limit").doesNotContain("Exception").doesNotContain("SQL");
            assertThat(bad.out).doesNotContainPattern(KEY);
        }
        for (String[] rate : List.of(new String[] {"--rpm", "-1"}, new String[] {"--rpm", "1.5"},
                new String[] {"--tpm", "many"}, new String[] {"--rpm", "1000000001"})) {
            Run bad = keys(data, "create", "--label", "x", rate[0], rate[1]);
            assertThat(bad.exit).as(String.join(" ", rate) + ": " + bad.err).isEqualTo(2);
            assertThat(bad.err).contains(rate[0]).contains("0 is unlimited").doesNotContain("Exception");
            assertThat(bad.out).doesNotContainPattern(KEY);
        }
        Run blank = keys(data, "create", "--label", " ");
        assertThat(blank.exit).isEqualTo(2);
        assertThat(blank.err).contains("--label");
        Run noLabel = keys(data, "create");
        assertThat(noLabel.exit).isEqualTo(2);
        assertThat(noLabel.err).contains("--label");

        Run list = keys(data, "list");
        assertThat(list.exit).isZero();
        assertThat(list.out.lines().count()).as("nothing was created: the header only").isEqualTo(1);
    }

    @Test
    void aKeyTheCliMakesWorksOnTheRunningGatewayAndIsRefusedOnceDisabled() throws Exception {
        Path data = work.resolve("data");
        try (Gateway gateway = Gateway.offline("ANYROUTER_DATA_DIR", data.toString(), "ANYROUTER_ADMIN_KEY",
                ADMIN_KEY)) {
            Map<String, String> admin = Map.of("ANYROUTER_ADMIN_KEY", ADMIN_KEY, "ANYROUTER_GATEWAY_URL",
                    gateway.uri().toString());
            Run created = keys(data, admin, "create", "--label", "live", "--limit", "5");
            assertThat(created.exit).as(created.err).isZero();
            assertThat(created.exit).as(created.err).isZero();
            String key = created.out.lines().findFirst().orElseThrow();
            Matcher id = ID.matcher(created.out);
            assertThat(id.find()).isTrue();
            String keyId = id.group(1);

            Awaitility.await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
                    .until(() -> status(gateway, key) == 200);
            String generation;
            try (RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions",
                    "Bearer " + key, STREAM)) {
                assertThat(client.status).isEqualTo(200);
                generation = client.headers.get("x-generation-id");
                assertThat(Chunks.withoutComments(client.rest())).endsWith("data: [DONE]\n\n");
            }
            JsonNode account;
            try (RawClient client = RawClient.connect(gateway.uri()).send("GET", "/api/v1/key", "Bearer " + key,
                    null)) {
                account = JSON.readTree(client.rest()).path("data");
            }
            assertThat(account.path("label").asText()).isEqualTo("live");
            assertThat(account.path("limit").decimalValue()).isEqualByComparingTo("5");

            // the gateway's spend, written to the shared database, is what the CLI lists
            gateway.generation(generation);
            BigDecimal spent = Awaitility.await().atMost(Duration.ofSeconds(5)).until(
                    () -> gateway.engine().ledger().backlog() == 0
                            ? gateway.engine().keyStore().find(keyId).orElseThrow().used() : null,
                    Objects::nonNull);
            assertThat(spent).isPositive();
            List<String> listed = row(keys(data, admin, "list"), keyId);
            assertThat(listed).hasSize(6).startsWith(keyId, "enabled").endsWith("5", "admin", "live");
            assertThat(new BigDecimal(listed.get(2))).isEqualByComparingTo(spent);

            Run disabled = keys(data, admin, "disable", keyId);
            assertThat(disabled.exit).as(disabled.err).isZero();
            Awaitility.await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
                    .until(() -> status(gateway, key) == 403);
            assertThat(status(gateway, Gateway.KEY)).as("the bootstrap key still works").isEqualTo(200);

            assertThat(keys(data, admin, "enable", keyId).exit).isZero();
            Awaitility.await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
                    .until(() -> status(gateway, key) == 200);
        }
    }

    @Test
    void withoutTheAdminKeyTheCliLeavesARunningGatewaysDatabaseAloneAndSaysHowToReachIt() throws Exception {
        Path data = work.resolve("data");
        try (Gateway gateway = Gateway.offline("ANYROUTER_DATA_DIR", data.toString())) {
            Run refused = keys(data, "list");
            assertThat(refused.exit).isEqualTo(1);
            assertThat(refused.err).contains("in use by another process").contains("set ANYROUTER_ADMIN_KEY")
                    .doesNotContain("Exception");
            assertThat(status(gateway, Gateway.KEY)).as("the gateway is unharmed").isEqualTo(200);

            Run wrongKey = keys(data, Map.of("ANYROUTER_ADMIN_KEY", "not-the-admin-key-0123456789",
                    "ANYROUTER_GATEWAY_URL", gateway.uri().toString()), "list");
            assertThat(wrongKey.exit).isEqualTo(1);
            assertThat(wrongKey.err).contains("answered 403: the admin API is off");
        }
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String nobody = "http://127.0.0.1:" + free.getLocalPort();
            free.close();
            Run direct = keys(data, Map.of("ANYROUTER_ADMIN_KEY", ADMIN_KEY, "ANYROUTER_GATEWAY_URL", nobody),
                    "create", "--label", "offline");
            assertThat(direct.exit).as("no gateway answers: the database itself. " + direct.err).isZero();
            assertThat(direct.out.lines().findFirst().orElseThrow()).matches(KEY);
            Run listed = keys(data, Map.of("ANYROUTER_ADMIN_KEY", ADMIN_KEY, "ANYROUTER_GATEWAY_URL", nobody), "list");
            assertThat(listed.out.lines().filter(l -> l.startsWith("ID ")).count()).as(listed.out + listed.err)
                    .as("one header: nothing printed before the admin API was found missing").isEqualTo(1);
            assertThat(listed.out.lines()).anyMatch(l -> l.endsWith("admin offline"));
        }
        Run remote = keys(data, Map.of("ANYROUTER_ADMIN_KEY", ADMIN_KEY, "ANYROUTER_GATEWAY_URL",
                "http://192.0.2.1:8080"), "list");
        assertThat(remote.exit).isEqualTo(2);
        assertThat(remote.err).contains("not loopback");
    }

    /** The status of a streamed completion with {@code key}, its body read to the end. */
    private static int status(Gateway gateway, String key) throws IOException {
        try (RawClient client = RawClient.connect(gateway.uri()).post("/api/v1/chat/completions", "Bearer " + key,
                STREAM)) {
            client.rest();
            return client.status;
        }
    }

    /** The columns of the one line of {@code keys list} that contains {@code text}. */
    private static List<String> row(Run list, String text) {
        assertThat(list.exit).as(list.err).isZero();
        List<String> rows = list.out.lines().filter(line -> line.contains(text)).toList();
        assertThat(rows).as(list.out).hasSize(1);
        return List.of(rows.get(0).trim().split("\\s+"));
    }

    /** Runs {@code java -jar anyrouter.jar keys ARGS} with only {@code ANYROUTER_DATA_DIR} configured. */
    private Run keys(Path dataDir, String... args) throws Exception {
        return keys(dataDir, Map.of(), args);
    }

    /** Runs {@code java -jar anyrouter.jar keys ARGS} with {@code ANYROUTER_DATA_DIR} and {@code settings}. */
    private Run keys(Path dataDir, Map<String, String> settings, String... args) throws Exception {
        Path jar = Path.of(System.getProperty("anyrouter.war")).resolveSibling("anyrouter.jar");
        Path out = Files.createTempFile(work, "out", ".log");
        Path err = Files.createTempFile(work, "err", ".log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", jar.toString(), "keys"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("ANYROUTER_") || name.startsWith("OPENAI_")
                || name.startsWith("ANTHROPIC_"));
        builder.environment().put("ANYROUTER_DATA_DIR", dataDir.toString());
        builder.environment().putAll(settings);
        Process process = builder.start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("keys " + String.join(" ", args) + " did not end:\n"
                    + Files.readString(err, StandardCharsets.UTF_8));
        }
        return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
