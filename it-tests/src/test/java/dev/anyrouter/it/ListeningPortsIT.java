package dev.anyrouter.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.anyrouter.store.DataDir;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar anyrouter.jar} on its embedded database listens on its own port and nothing else, and keeps its
 * data folder private. H2's auto-server mode used to open a second, password-less TCP port on every interface.
 * Read from Linux's {@code /proc}: the process's socket inodes, and which of them are listening TCP sockets.
 */
class ListeningPortsIT {

    /** {@code /proc/net/tcp{,6}}: "sl local_address rem_address st … inode"; state 0A is LISTEN. */
    private static final Pattern SOCKET = Pattern.compile(
            "^\\s*\\d+: [0-9A-F]+:([0-9A-F]{4}) [0-9A-F]+:[0-9A-F]{4} 0A (?:\\S+\\s+){5}(\\d+)");

    @TempDir
    Path work;

    @Test
    void theGatewayListensOnItsOwnPortOnlyAndItsDataIsPrivate() throws Exception {
        assumeThat(Path.of("/proc/self/net/tcp")).as("Linux /proc").exists();
        Path data = work.resolve("data");
        Path out = work.resolve("out.log");
        Path jar = Path.of(System.getProperty("anyrouter.war")).resolveSibling("anyrouter.jar");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", jar.toString(), "--port", "0")
                .directory(work.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("OPENAI_") || name.startsWith("ANYROUTER_")
                || name.startsWith("ANTHROPIC_"));
        builder.environment().putAll(Map.of("ANYROUTER_API_KEYS", Gateway.KEY, "ANYROUTER_DATA_DIR", data.toString(),
                "ANYROUTER_SIM_FIRST_TOKEN_MS", "5"));
        Process process = builder.start();
        try {
            Matcher listening = Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> Pattern.compile("listening on (\\S+)").matcher(read(out)), Matcher::find);
            URI base = URI.create(listening.group(1));
            try (RawClient client = RawClient.connect(base).post("/api/v1/chat/completions", Gateway.BEARER,
                    "{\"model\":\"openai/gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
                            + "\"Count to 3\"}]}")) {
                assertThat(client.rest()).endsWith("data: [DONE]\n\n"); // the database in use: keys, the ledger
            }

            assertThat(listeningPorts(process.pid())).as("TCP ports the gateway's process listens on")
                    .containsExactly(base.getPort());

            assertThat(mode(data)).isEqualTo("rwx------");
            List<Path> files;
            try (Stream<Path> listing = Files.list(data)) {
                files = listing.toList();
            }
            assertThat(files).extracting(p -> p.getFileName().toString())
                    .contains("anyrouter.mv.db", DataDir.PASSWORD_FILE).noneMatch(name -> name.contains("lock"));
            for (Path file : files) {
                assertThat(mode(file)).as(file.getFileName().toString()).isEqualTo("rw-------");
            }
            assertThat(read(out)).as("the password is never logged")
                    .doesNotContain(Files.readString(data.resolve(DataDir.PASSWORD_FILE)).strip());
        } finally {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** The local ports of the listening TCP sockets (IPv4 and IPv6) that process {@code pid} holds. */
    private static Set<Integer> listeningPorts(long pid) throws Exception {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    Matcher socket = Pattern.compile("socket:\\[(\\d+)]").matcher(Files.readSymbolicLink(fd).toString());
                    if (socket.matches()) {
                        inodes.add(socket.group(1));
                    }
                } catch (java.nio.file.NoSuchFileException closedMeanwhile) {
                    // a descriptor closed while listed
                }
            }
        }
        Set<Integer> ports = new TreeSet<>();
        List<String> lines = new ArrayList<>();
        for (String table : List.of("tcp", "tcp6")) {
            Path path = Path.of("/proc", Long.toString(pid), "net", table);
            if (Files.exists(path)) {
                lines.addAll(Files.readAllLines(path));
            }
        }
        for (String line : lines) {
            Matcher socket = SOCKET.matcher(line);
            if (socket.find() && inodes.contains(socket.group(2))) {
                ports.add(Integer.parseInt(socket.group(1), 16));
            }
        }
        assertThat(inodes).as("the process's sockets").isNotEmpty();
        return ports;
    }

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    private static String read(Path file) throws Exception {
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
