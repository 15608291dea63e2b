package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's demo: {@code java -jar anyrouter.jar} starts offline and prints curls (both APIs) that work. */
class JarIT {

    private static final Pattern CURL = Pattern.compile(
            "curl -N (\\S+) \\\\\\s+-H \"Authorization: Bearer (ar-\\S+)\" \\\\\\s+-d '(.+)'");
    private static final Pattern MESSAGES_CURL = Pattern.compile(
            "curl -N (\\S+) \\\\\\s+-H \"x-api-key: (ar-\\S+)\" \\\\\\s+-d '(.+)'");

    @Test
    void startsOfflineAndPrintsACurlThatWorks(@TempDir Path work) throws Exception {
        Path jar = Path.of(System.getProperty("anyrouter.war")).resolveSibling("anyrouter.jar");
        Path out = work.resolve("out.log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString(), "--port", "0").directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("OPENAI_") || name.startsWith("ANYROUTER_"));
        Process process = builder.start();
        try {
            Matcher curl = Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> CURL.matcher(Files.readString(out, StandardCharsets.UTF_8)), Matcher::find);
            String banner = Files.readString(out, StandardCharsets.UTF_8);
            assertThat(banner).contains("SIMULATED").contains("client key: " + curl.group(2));

            URI endpoint = URI.create(curl.group(1));
            try (RawClient client = RawClient.connect(endpoint)
                    .post(endpoint.getPath(), "Bearer " + curl.group(2), curl.group(3))) {
                assertThat(client.status).isEqualTo(200);
                String body = Chunks.withoutComments(client.rest());
                assertThat(body).contains("\"content\":\"1\"").contains("\"content\":\", 10\"")
                        .endsWith("data: [DONE]\n\n");
            }
            Matcher messages = MESSAGES_CURL.matcher(banner);
            assertThat(messages.find()).as("a Messages API curl").isTrue();
            URI messagesEndpoint = URI.create(messages.group(1));
            try (RawClient client = RawClient.connect(messagesEndpoint).postJson(messagesEndpoint.getPath(),
                    messages.group(3), "x-api-key: " + messages.group(2))) {
                assertThat(client.status).isEqualTo(200);
                String body = Chunks.withoutComments(client.rest());
                assertThat(body).startsWith("event: message_start\n").contains("\"text\":\", 10\"")
                        .endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
            }
        } finally {
            process.destroy();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
        }
    }

    @Test
    void takesItsSettingsFromAYamlFileAndRefusesABadOneNamingTheKey(@TempDir Path work) throws Exception {
        Path jar = Path.of(System.getProperty("anyrouter.war")).resolveSibling("anyrouter.jar");
        Path config = Files.writeString(work.resolve("anyrouter.yaml"), """
                keys:
                  bootstrap: [ar-from-the-file-0123456789]
                simulator:
                  chunk_delay_ms: 1
                  first_token_ms: 1
                """);
        Path out = work.resolve("out.log");
        ProcessBuilder builder = new ProcessBuilder(java(), "-jar", jar.toString(), "--config", config.toString(),
                "--port", "0").directory(work.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("OPENAI_") || name.startsWith("ANYROUTER_")
                || name.startsWith("ANTHROPIC_"));
        Process process = builder.start();
        try {
            Matcher listening = Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> Pattern.compile("listening on (\\S+)").matcher(Files.readString(out,
                            StandardCharsets.UTF_8)), Matcher::find);
            assertThat(Files.readString(out, StandardCharsets.UTF_8)).contains("client keys: 1 from ANYROUTER_API_KEYS");
            URI base = URI.create(listening.group(1));
            try (RawClient client = RawClient.connect(base).post("/api/v1/chat/completions",
                    "Bearer ar-from-the-file-0123456789", "{\"model\":\"openai/gpt-4o\",\"stream\":true,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"Count to 3\"}]}")) {
                assertThat(client.status).isEqualTo(200);
                assertThat(client.rest()).endsWith("data: [DONE]\n\n");
            }
        } finally {
            process.destroy();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }

        Files.writeString(config, "timeouts:\n  idle_ms: soon\n");
        Process bad = builder.redirectOutput(out.toFile()).start();
        assertThat(bad.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(bad.exitValue()).isEqualTo(2);
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).contains(
                "anyrouter: invalid configuration: anyrouter.yaml: timeouts.idle_ms: 'soon' (expected: a whole number)");
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
