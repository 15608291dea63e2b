package dev.anyrouter.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A servlet container distribution (jetty-home 12, Tomcat 11) started as a separate JVM on loopback port 0 with
 * {@code anyrouter.war} in its deployment directory, configured through the environment as an operator would.
 */
final class ServerProcess implements AutoCloseable {

    /** The distributions the WAR must run on. */
    enum Distribution { JETTY_HOME_12, TOMCAT_11 }

    private final Process process;
    private final Path log;
    final URI base;

    private ServerProcess(Process process, Path log, URI base) {
        this.process = process;
        this.log = log;
        this.base = base;
    }

    static ServerProcess start(Distribution distribution, Path work, Map<String, String> environment)
            throws Exception {
        Path war = Path.of(System.getProperty("anyrouter.war"));
        Path log = work.resolve("server.log");
        ProcessBuilder builder = distribution == Distribution.TOMCAT_11 ? tomcat(work, war) : jetty(work, war);
        builder.environment().putAll(environment);
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        Process process = builder.start();
        Pattern port = Pattern.compile(distribution == Distribution.TOMCAT_11
                ? "Starting ProtocolHandler \\[\"http-nio-127.0.0.1-auto-\\d+-(\\d+)\"\\]"
                : "ServerConnector@\\w+\\{HTTP/1.1, \\(http/1.1\\)\\}\\{127.0.0.1:(\\d+)\\}");
        try {
            String found = Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("the server exited:\n" + read(log));
                        }
                        Matcher matcher = port.matcher(read(log));
                        return matcher.find() ? matcher.group(1) : null;
                    }, p -> p != null);
            return new ServerProcess(process, log, URI.create("http://127.0.0.1:" + found + "/anyrouter/"));
        } catch (RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** Everything the server has logged so far. */
    String log() {
        return read(log);
    }

    /** Stops the server as an operator would (SIGTERM), which undeploys the WAR. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static ProcessBuilder jetty(Path work, Path war) throws Exception {
        Path home = Path.of(System.getProperty("jetty.home"));
        Path base = Files.createDirectories(work.resolve("jetty-base"));
        Process setup = new ProcessBuilder(java(), "-jar", home.resolve("start.jar").toString(),
                "jetty.home=" + home, "jetty.base=" + base, "--add-modules=http,ee10-deploy")
                .directory(base.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve("setup.log").toFile()).start();
        if (!setup.waitFor(60, TimeUnit.SECONDS) || setup.exitValue() != 0) {
            throw new IllegalStateException("jetty-base setup failed:\n" + read(work.resolve("setup.log")));
        }
        Files.copy(war, Files.createDirectories(base.resolve("webapps")).resolve("anyrouter.war"));
        return new ProcessBuilder(java(), "-jar", home.resolve("start.jar").toString(), "jetty.home=" + home,
                "jetty.base=" + base, "jetty.http.host=127.0.0.1", "jetty.http.port=0").directory(base.toFile());
    }

    private static ProcessBuilder tomcat(Path work, Path war) throws IOException {
        Path home = Path.of(System.getProperty("tomcat.home"));
        Path base = work.resolve("tomcat-base");
        for (String dir : List.of("conf", "logs", "temp", "work", "webapps")) {
            Files.createDirectories(base.resolve(dir));
        }
        try (Stream<Path> conf = Files.list(home.resolve("conf"))) {
            for (Path file : conf.filter(Files::isRegularFile).toList()) {
                Files.copy(file, base.resolve("conf").resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path serverXml = base.resolve("conf/server.xml");
        Files.writeString(serverXml, Files.readString(serverXml)
                .replace("port=\"8005\"", "port=\"-1\"")
                .replace("<Connector port=\"8080\"", "<Connector port=\"0\" address=\"127.0.0.1\""));
        Files.copy(war, base.resolve("webapps/anyrouter.war"));
        List<String> command = new ArrayList<>(List.of(java(),
                // as catalina.sh does: lets Tomcat's leak detection look at thread locals and RMI targets
                "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
                "--add-opens=java.base/java.util=ALL-UNNAMED",
                "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                "--add-opens=java.rmi/sun.rmi.transport=ALL-UNNAMED",
                "-Dcatalina.home=" + home, "-Dcatalina.base=" + base,
                "-Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager",
                "-Djava.util.logging.config.file=" + base.resolve("conf/logging.properties"),
                "-cp", home.resolve("bin/bootstrap.jar") + java.io.File.pathSeparator + home.resolve("bin/tomcat-juli.jar"),
                "org.apache.catalina.startup.Bootstrap", "start"));
        return new ProcessBuilder(command).directory(base.toFile());
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
