package dev.anyrouter.server;

import dev.anyrouter.config.ConfigException;
import dev.anyrouter.config.ConfigFile;
import dev.anyrouter.config.GatewayConfig;
import dev.anyrouter.config.Settings;
import dev.anyrouter.store.KeyHash;
import dev.anyrouter.store.StoreException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code java -jar anyrouter.jar [--host H] [--port N]}: starts the gateway and prints how to call it;
 * {@code java -jar anyrouter.jar keys …} manages client keys ({@link KeysCommand}); {@code java -jar anyrouter.jar
 * train} is the build's AOT training run ({@link TrainCommand}).
 */
@Command(name = "anyrouter", mixinStandardHelpOptions = true, version = "AnyRouter 0.1.0",
        description = "LLM API router: OpenAI- and Anthropic-compatible streaming gateway.",
        subcommands = {KeysCommand.class, TrainCommand.class})
public final class Main implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE",
            description = "A YAML configuration file (env ANYROUTER_CONFIG); environment variables win over it.")
    private Path config;

    @Option(names = "--host", description = "Address to listen on (env ANYROUTER_HOST, default 127.0.0.1).")
    private String host;

    @Option(names = "--port", description = "Port to listen on; 0 picks a free one (env ANYROUTER_PORT, default 8080).")
    private Integer port;

    /** The console's line: date, time, level, logger, message (and a stack trace). */
    static final String CONSOLE_FORMAT = "%1$tF %1$tT %4$s %3$s: %5$s%6$s%n";

    public static void main(String[] args) {
        System.setProperty("java.util.logging.SimpleFormatter.format", CONSOLE_FORMAT);
        System.setProperty("java.util.logging.manager", ExitLogManager.class.getName()); // logs while stopping
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        GatewayConfig config;
        Settings settings;
        String listenHost;
        int listenPort;
        try {
            settings = settings(this.config);
            listenHost = host != null ? host : settings.string("ANYROUTER_HOST", "127.0.0.1");
            listenPort = port != null ? port : (int) settings.number("ANYROUTER_PORT", 8080, 0, 65535);
            config = GatewayConfig.from(settings);
        } catch (ConfigException e) {
            System.err.println("anyrouter: invalid configuration: " + e.getMessage());
            return 2;
        }
        String generated = null;
        if (config.apiKeys().isEmpty()) { // never start with no usable key; keys made by 'keys create' work too
            generated = KeyHash.generate();
            config = config.withApiKeys(List.of(generated));
        }
        try (AnyRouterServer server = AnyRouterServer.create(listenHost, listenPort, config, settings)) {
            banner(System.out, server, config, generated);
            server.join();
        } catch (StoreException e) {
            System.err.println("anyrouter: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    /** {@code --config}, or {@code null}. */
    Path configFile() {
        return config;
    }

    /** The environment and system properties, over the configuration file, if any. */
    static Settings settings(Path file) {
        Settings environment = Settings.fromEnvironment();
        return file != null ? environment.orElse(ConfigFile.load(file)) : ConfigFile.over(environment);
    }

    private static void banner(PrintStream out, AnyRouterServer server, GatewayConfig config, String generatedKey) {
        String base = server.uri().toString();
        out.println();
        out.println("AnyRouter is listening on " + base);
        if (config.offline()) {
            out.println("  upstream:   SIMULATED - no provider is configured, so every provider/model is answered by");
            out.println("              the built-in simulated upstream (" + base + "simulator/v1; anthropic/* in its");
            out.println("              Messages API). Set OPENAI_API_KEY, ANTHROPIC_API_KEY, a preset's key");
            out.println("              (GROQ_API_KEY, …) or providers: in --config to route to real providers.");
        } else {
            config.upstreams().forEach(p -> p.endpoints().forEach(endpoint ->
                    out.println("  upstream:   " + p.name() + "/* -> " + endpoint.baseUri())));
        }
        out.println("  storage:    " + config.storage().describe() + " (keys, credits, usage ledger)");
        String key = generatedKey != null ? generatedKey : "$YOUR_ANYROUTER_KEY";
        if (generatedKey != null) {
            out.println("  client key: " + generatedKey + "  (generated for this run; set ANYROUTER_API_KEYS to choose keys)");
        } else {
            out.println("  client keys: " + config.apiKeys().size() + " from ANYROUTER_API_KEYS");
        }
        out.println();
        out.println("Try it:");
        out.println("  curl -N " + base + "api/v1/chat/completions \\");
        out.println("    -H \"Authorization: Bearer " + key + "\" \\");
        out.println("    -d '{\"model\": \"openai/gpt-4-turbo\", \"stream\": true,"
                + " \"messages\": [{\"role\": \"user\", \"content\": \"Count to 10\"}]}'");
        out.println("The same through the Anthropic Messages API (any model works from either API):");
        out.println("  curl -N " + base + "api/v1/messages \\");
        out.println("    -H \"x-api-key: " + key + "\" \\");
        out.println("    -d '{\"model\": \"anthropic/claude-sonnet-4\", \"max_tokens\": 256, \"stream\": true,"
                + " \"messages\": [{\"role\": \"user\", \"content\": \"Count to 10\"}]}'");
        out.println();
        out.flush();
    }
}
