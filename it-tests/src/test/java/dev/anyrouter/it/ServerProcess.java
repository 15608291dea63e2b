package dev.anyrouter.it;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A server distribution (jetty-home 12, Tomcat 11 and 10.1, Payara 6) started as separate processes on loopback
 * with {@code anyrouter.war} deployed, configured through the environment as an operator would, and optionally
 * through the container's own means ({@link Container}).
 */
final class ServerProcess implements AutoCloseable {

    /** The distributions the WAR must run on, each unpacked by the build into the folder a system property names. */
    enum Distribution {
        JETTY_HOME_12("jetty.home", "Failed startup of context"),
        TOMCAT_11("tomcat.home", "startup failed due to previous errors|Error deploying web application archive"),
        TOMCAT_10_1("tomcat10.home", "startup failed due to previous errors|Error deploying web application archive"),
        PAYARA_6("payara.home", "Boot Command \\S+ failed");

        private final String homeProperty;
        /** What the server logs when the WAR failed to deploy (it keeps running). */
        private final Pattern deployFailure;

        Distribution(String homeProperty, String deployFailure) {
            this.homeProperty = homeProperty;
            this.deployFailure = Pattern.compile(deployFailure);
        }

        Path home() {
            return Path.of(System.getProperty(homeProperty));
        }
    }

    /**
     * Configuration given through the container rather than the environment: JVM system properties and, on
     * Tomcat, the context file {@code conf/Catalina/localhost/anyrouter.xml} (context parameters, JNDI entries).
     */
    record Container(Map<String, String> systemProperties, String tomcatContextXml) {
        static final Container NONE = new Container(Map.of(), null);
    }

    private final Distribution distribution;
    private final Process process;
    private final Path log;
    private final Stopper stopper;
    final URI base;

    private interface Stopper {
        void stop() throws Exception;
    }

    private ServerProcess(Distribution distribution, Process process, Path log, URI base, Stopper stopper) {
        this.distribution = distribution;
        this.process = process;
        this.log = log;
        this.base = base;
        this.stopper = stopper;
    }

    static ServerProcess start(Distribution distribution, Path work, Map<String, String> environment)
            throws Exception {
        return start(distribution, work, environment, Container.NONE);
    }

    static ServerProcess start(Distribution distribution, Path work, Map<String, String> environment,
            Container container) throws Exception {
        if (distribution != Distribution.TOMCAT_11 && distribution != Distribution.TOMCAT_10_1
                && container.tomcatContextXml() != null) {
            throw new IllegalArgumentException("a Tomcat context file on " + distribution);
        }
        if (distribution == Distribution.PAYARA_6 && !container.systemProperties().isEmpty()) {
            throw new IllegalArgumentException("system properties on " + distribution + " (not implemented)");
        }
        Path war = Path.of(System.getProperty("anyrouter.war"));
        Path log = work.resolve("server.log");
        return switch (distribution) {
            case JETTY_HOME_12 -> startJetty(distribution, work, war, log, environment, container);
            case TOMCAT_11, TOMCAT_10_1 -> startTomcat(distribution, work, war, log, environment, container);
            case PAYARA_6 -> startPayara(distribution, work, war, log, environment);
        };
    }

    /** Everything the server has logged so far. */
    String log() {
        return read(log);
    }

    /** Fails at once, with the log, if the server has exited or reported that the deployment failed. */
    void checkRunning() {
        if (!process.isAlive()) {
            throw new IllegalStateException(distribution + " exited:\n" + log());
        }
        if (distribution.deployFailure.matcher(log()).find()) {
            throw new IllegalStateException(distribution + " failed to deploy the WAR:\n" + log());
        }
    }

    /**
     * Stops the server as an operator would, which undeploys the WAR: Jetty's stop port ({@code java -jar start.jar
     * --stop}), Tomcat's shutdown port ({@code catalina.sh stop}); on Payara {@code asadmin undeploy}, then
     * {@code asadmin stop-domain}. Not SIGTERM: in a JVM that is exiting, H2's own shutdown hook closes the embedded
     * database at the same time as the server undeploys the WAR, and under load the ledger's last write failed and
     * Tomcat found H2's threads still running after the undeploy.
     */
    @Override
    public void close() {
        long stopping = System.nanoTime();
        // Payara's launcher starts the server JVM as its child; the next test must not share the CPU with it
        List<ProcessHandle> started = process.descendants().toList();
        try {
            stopper.stop();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                kill();
            }
            for (ProcessHandle child : started) {
                child.onExit().get(30, TimeUnit.SECONDS);
            }
            System.out.printf("%s: stopped in %.1f s%n", distribution, (System.nanoTime() - stopping) / 1e9);
        } catch (InterruptedException e) {
            kill(started);
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            kill(started);
            throw new IllegalStateException(distribution + " did not stop cleanly:\n" + log(), e);
        }
    }

    /** A bare SIGTERM, as an init system or {@code docker stop} sends it; waits for the server to exit. */
    void terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            kill();
            throw new IllegalStateException(distribution + " did not exit on SIGTERM:\n" + log());
        }
    }

    /** The process and whatever it started (Payara's launcher starts the server JVM as its child). */
    private void kill(List<ProcessHandle> started) {
        started.forEach(ProcessHandle::destroyForcibly);
        kill();
    }

    private void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --- jetty-home 12 ---------------------------------------------------------------------------------------

    private static ServerProcess startJetty(Distribution distribution, Path work, Path war, Path log,
            Map<String, String> environment, Container container) throws Exception {
        Path home = distribution.home();
        Path base = Files.createDirectories(work.resolve("jetty-base"));
        Process setup = new ProcessBuilder(java(), "-jar", home.resolve("start.jar").toString(),
                "jetty.home=" + home, "jetty.base=" + base, "--add-modules=http,ee10-deploy")
                .directory(base.toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve("setup.log").toFile()).start();
        if (!setup.waitFor(60, TimeUnit.SECONDS) || setup.exitValue() != 0) {
            throw new IllegalStateException("jetty-base setup failed:\n" + read(work.resolve("setup.log")));
        }
        Files.copy(war, Files.createDirectories(base.resolve("webapps")).resolve("anyrouter.war"));
        int stopPort = freePort(Set.of());
        String stopKey = UUID.randomUUID().toString();
        List<String> command = new ArrayList<>(List.of(java()));
        command.addAll(systemProperties(container));
        command.addAll(List.of("-jar", home.resolve("start.jar").toString(), "jetty.home=" + home,
                "jetty.base=" + base, "jetty.http.host=127.0.0.1", "jetty.http.port=0", "STOP.PORT=" + stopPort,
                "STOP.KEY=" + stopKey));
        Process process = launch(new ProcessBuilder(command).directory(base.toFile()), environment, log);
        int port = awaitPort(distribution, process, log,
                Pattern.compile("ServerConnector@\\w+\\{HTTP/1.1, \\(http/1.1\\)\\}\\{127.0.0.1:(\\d+)\\}"));
        // Jetty's ShutdownMonitor: the key, then the command; it answers once the server has stopped
        return new ServerProcess(distribution, process, log, base(port),
                () -> tell(stopPort, stopKey + "\r\nstop\r\n"));
    }

    // --- Tomcat 11 and 10.1 ----------------------------------------------------------------------------------

    private static ServerProcess startTomcat(Distribution distribution, Path work, Path war, Path log,
            Map<String, String> environment, Container container) throws Exception {
        Path home = distribution.home();
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
        int shutdownPort = freePort(Set.of());
        Files.writeString(serverXml, Files.readString(serverXml)
                .replace("port=\"8005\"", "port=\"" + shutdownPort + "\" address=\"127.0.0.1\"")
                .replace("<Connector port=\"8080\"", "<Connector port=\"0\" address=\"127.0.0.1\""));
        if (container.tomcatContextXml() != null) {
            Path contexts = Files.createDirectories(base.resolve("conf/Catalina/localhost"));
            Files.writeString(contexts.resolve("anyrouter.xml"), container.tomcatContextXml());
        }
        Files.copy(war, base.resolve("webapps/anyrouter.war"));
        List<String> command = new ArrayList<>(List.of(java(),
                // as catalina.sh does: lets Tomcat's leak detection look at thread locals and RMI targets
                "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
                "--add-opens=java.base/java.util=ALL-UNNAMED",
                "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                "--add-opens=java.rmi/sun.rmi.transport=ALL-UNNAMED",
                "-Dcatalina.home=" + home, "-Dcatalina.base=" + base,
                "-Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager",
                "-Djava.util.logging.config.file=" + base.resolve("conf/logging.properties")));
        command.addAll(systemProperties(container));
        command.addAll(List.of("-cp", home.resolve("bin/bootstrap.jar") + File.pathSeparator
                + home.resolve("bin/tomcat-juli.jar"), "org.apache.catalina.startup.Bootstrap", "start"));
        Process process = launch(new ProcessBuilder(command).directory(base.toFile()), environment, log);
        int port = awaitPort(distribution, process, log,
                Pattern.compile("Starting ProtocolHandler \\[\"http-nio-127.0.0.1-auto-\\d+-(\\d+)\"\\]"));
        // the Server element's shutdown command; Tomcat stops, then its JVM exits
        return new ServerProcess(distribution, process, log, base(port), () -> tell(shutdownPort, "SHUTDOWN"));
    }

    // --- Payara 6 --------------------------------------------------------------------------------------------

    /**
     * A copy of the distribution's {@code domain1} in the work folder, started with {@code asadmin start-domain
     * --verbose} (which stays in the foreground, the server JVM its child). Before the boot, free ports for the
     * HTTP and admin listeners, both on loopback, and everything else that would listen or take time switched
     * off: the HTTPS listener, IIOP, JMX, the JMS broker's port, Hazelcast (the data grid, a third of the start).
     * The WAR is deployed by the post-boot command file, as {@code asadmin deploy} would.
     */
    private static ServerProcess startPayara(Distribution distribution, Path work, Path war, Path log,
            Map<String, String> environment) throws Exception {
        Path home = distribution.home();
        Path domains = work.resolve("payara-domains");
        copyTree(home.resolve("glassfish/domains/domain1"), domains.resolve("domain1"));
        Path domainXml = domains.resolve("domain1/config/domain.xml");
        String config = Files.readString(domainXml);
        String serverConfig = "<config name=\"server-config\">";
        if (!config.contains(serverConfig) || config.contains("<jms-service type=\"DISABLED\"")) {
            throw new IllegalStateException("unexpected " + domainXml);
        }
        // The server's configuration has no jms-service element (its defaults open the broker's port 7676), and
        // no command can create one before the boot.
        Files.writeString(domainXml, config.replace(serverConfig, serverConfig
                + "\n            <jms-service type=\"DISABLED\" default-jms-host=\"default_JMS_host\"><jms-host"
                + " name=\"default_JMS_host\" host=\"localhost\" port=\"${JMS_PROVIDER_PORT}\" lazy-init=\"true\">"
                + "</jms-host></jms-service>"));
        int http = freePort(Set.of());
        int admin = freePort(Set.of(http));
        String set = "set configs.config.server-config.";
        String listeners = set + "network-config.network-listeners.network-listener.";
        List<String> preBoot = List.of(
                listeners + "http-listener-1.port=" + http,
                listeners + "http-listener-1.address=127.0.0.1",
                listeners + "http-listener-2.enabled=false",
                listeners + "admin-listener.port=" + admin,
                listeners + "admin-listener.address=127.0.0.1",
                set + "admin-service.jmx-connector.system.enabled=false",
                set + "iiop-service.iiop-listener.orb-listener-1.enabled=false",
                set + "iiop-service.iiop-listener.SSL.enabled=false",
                set + "iiop-service.iiop-listener.SSL_MUTUALAUTH.enabled=false",
                set + "hazelcast-config-specific-configuration.enabled=false");
        Path preBootFile = Files.write(work.resolve("pre-boot.asadmin"), preBoot);
        Path postBootFile = Files.write(work.resolve("post-boot.asadmin"),
                List.of("deploy --name anyrouter --contextroot anyrouter " + war));
        List<String> asadmin = asadmin(home, admin);
        List<String> command = new ArrayList<>(asadmin);
        command.addAll(List.of("start-domain", "--verbose", "--domaindir", domains.toString(),
                "--prebootcommandfile", preBootFile.toString(), "--postbootcommandfile", postBootFile.toString(),
                "domain1"));
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile());
        // the server JVM runs on the JDK that runs the tests
        builder.environment().put("AS_JAVA", System.getProperty("java.home"));
        Process process = launch(builder, environment, log);
        Stopper stop = () -> {
            run(work, "undeploy", concat(asadmin, "undeploy", "anyrouter"));
            run(work, "stop-domain", concat(asadmin, "stop-domain", "--domaindir", domains.toString(), "domain1"));
        };
        return new ServerProcess(distribution, process, log, base(http), stop);
    }

    /** {@code asadmin} against the domain's admin listener, as the {@code bin/asadmin} script runs it. */
    private static List<String> asadmin(Path home, int adminPort) {
        return List.of(java(), "-jar", home.resolve("glassfish/lib/client/appserver-cli.jar").toString(),
                "--host", "127.0.0.1", "--port", Integer.toString(adminPort), "--interactive=false");
    }

    /** Sends a command to a server's stop port and reads its answer, if any, to the end. */
    private static void tell(int port, String command) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            socket.getOutputStream().write(command.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            socket.shutdownOutput();
            socket.getInputStream().readAllBytes();
        }
    }

    private static void run(Path work, String name, List<String> command) throws Exception {
        Path output = work.resolve(name + ".log");
        Process process = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("asadmin " + name + " did not finish:\n" + read(output));
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("asadmin " + name + " failed:\n" + read(output));
        }
    }

    /**
     * A port free on loopback now, below the ephemeral range so that no outgoing connection takes it before the
     * server binds it (a server that is told its port cannot take port 0).
     */
    private static int freePort(Set<Integer> taken) throws IOException {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(20_000, 32_000);
            if (taken.contains(port)) {
                continue;
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress("127.0.0.1", port));
                return port;
            } catch (IOException busy) {
                // try another
            }
        }
        throw new IOException("no free port found");
    }

    // --- common ----------------------------------------------------------------------------------------------

    private static Process launch(ProcessBuilder builder, Map<String, String> environment, Path log)
            throws IOException {
        builder.environment().putAll(environment);
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        return builder.start();
    }

    private static int awaitPort(Distribution distribution, Process process, Path log, Pattern port) {
        try {
            String found = Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException(distribution + " exited:\n" + read(log));
                        }
                        Matcher matcher = port.matcher(read(log));
                        return matcher.find() ? matcher.group(1) : null;
                    }, p -> p != null);
            return Integer.parseInt(found);
        } catch (RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    private static URI base(int port) {
        return URI.create("http://127.0.0.1:" + port + "/anyrouter/");
    }

    private static List<String> systemProperties(Container container) {
        return container.systemProperties().entrySet().stream().map(e -> "-D" + e.getKey() + "=" + e.getValue())
                .toList();
    }

    private static List<String> concat(List<String> command, String... more) {
        List<String> all = new ArrayList<>(command);
        all.addAll(List.of(more));
        return all;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : files.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
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
