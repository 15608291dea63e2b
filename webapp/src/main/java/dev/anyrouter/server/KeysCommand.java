package dev.anyrouter.server;

import dev.anyrouter.config.ConfigException;
import dev.anyrouter.config.LimitsConfig;
import dev.anyrouter.config.Settings;
import dev.anyrouter.config.StorageConfig;
import dev.anyrouter.store.ClientKey;
import dev.anyrouter.store.Database;
import dev.anyrouter.store.KeyStore;
import dev.anyrouter.store.StoreException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code anyrouter keys …}: manages client keys. With {@code ANYROUTER_ADMIN_KEY} set it goes through the running
 * gateway's admin API ({@code ANYROUTER_GATEWAY_URL}, by default {@code http://127.0.0.1:ANYROUTER_PORT}), which
 * applies each change at once; when nothing answers there (or without the admin key) it opens the gateway's database
 * itself (the same {@code ANYROUTER_DB_URL} or {@code ANYROUTER_DATA_DIR}). The embedded database can be opened only
 * while no gateway runs on it; PostgreSQL at any time, the gateway then sees changes at its next key reload
 * ({@code ANYROUTER_KEY_REFRESH_MS}).
 */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Create, list and disable client keys.",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Disable.class,
            KeysCommand.Enable.class})
final class KeysCommand {

    /** The pool's and the migrations' start-up lines would bury the command's own output: warnings only. */
    private static final List<Logger> QUIET = List.of(Logger.getLogger("com.zaxxer.hikari"),
            Logger.getLogger("org.flywaydb"), Logger.getLogger("dev.anyrouter.store"));

    /** What the commands do, through the admin API ({@link AdminApiKeys}) or on the database ({@link KeyStore}). */
    interface Keys {
        KeyStore.NewKey create(String label, Optional<BigDecimal> limit, OptionalLong rpm, OptionalLong tpm);

        List<ClientKey> list();

        Optional<ClientKey> setDisabled(String id, boolean disabled);
    }

    /** Runs {@code action} on the keys; exit code 2 for bad settings, 1 if it fails. */
    static int withStore(CommandSpec spec, Function<Keys, Integer> action) {
        QUIET.forEach(logger -> logger.setLevel(Level.WARNING));
        PrintWriter err = spec.commandLine().getErr();
        StorageConfig storage;
        Optional<String> adminKey;
        Optional<URI> gateway;
        try {
            Settings settings = Main.settings(((Main) spec.root().userObject()).configFile());
            storage = StorageConfig.from(settings);
            adminKey = settings.string("ANYROUTER_ADMIN_KEY");
            gateway = adminKey.isPresent() ? gateway(settings) : Optional.empty();
        } catch (ConfigException e) {
            err.println("anyrouter: invalid configuration: " + e.getMessage());
            return 2;
        }
        try {
            if (gateway.isPresent()) {
                try {
                    return action.apply(new AdminApiKeys(gateway.get(), adminKey.orElseThrow()));
                } catch (AdminApiKeys.NoGateway e) {
                    // no gateway running there: the database is free to open
                }
            }
            try (Database db = Database.open(storage)) {
                KeyStore store = new KeyStore(db);
                return action.apply(new Keys() {
                    @Override
                    public KeyStore.NewKey create(String label, Optional<BigDecimal> limit, OptionalLong rpm,
                            OptionalLong tpm) {
                        return store.create(label, limit, rpm, tpm);
                    }

                    @Override
                    public List<ClientKey> list() {
                        return store.list();
                    }

                    @Override
                    public Optional<ClientKey> setDisabled(String id, boolean disabled) {
                        return store.setDisabled(id, disabled);
                    }
                });
            }
        } catch (StoreException e) {
            err.println("anyrouter: " + e.getMessage());
            if (adminKey.isEmpty() && e.getMessage().contains("in use by another process")) {
                err.println("anyrouter: to manage the keys of a running gateway, set ANYROUTER_ADMIN_KEY (and "
                        + "ANYROUTER_GATEWAY_URL unless it listens on http://127.0.0.1:ANYROUTER_PORT)");
            }
            return 1;
        }
    }

    /**
     * The running gateway's address: {@code ANYROUTER_GATEWAY_URL}, else the jar's own {@code ANYROUTER_HOST} and
     * {@code ANYROUTER_PORT} (127.0.0.1 for an address that listens on every interface); empty for port 0. Plain HTTP
     * only to a loopback address: the admin key must not cross a network in clear.
     */
    static Optional<URI> gateway(Settings settings) {
        URI uri;
        Optional<String> url = settings.string("ANYROUTER_GATEWAY_URL");
        if (url.isPresent()) {
            try {
                uri = new URI(url.get().strip());
            } catch (URISyntaxException e) {
                throw new ConfigException(settings.describe("ANYROUTER_GATEWAY_URL") + ": not a URL (" + e.getReason()
                        + ")");
            }
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new ConfigException(settings.describe("ANYROUTER_GATEWAY_URL") + ": '" + url.get()
                        + "' (expected: http://127.0.0.1:PORT or https://HOST[:PORT][/PATH])");
            }
        } else {
            long port = settings.number("ANYROUTER_PORT", 8080, 0, 65535);
            if (port == 0) {
                return Optional.empty();
            }
            String host = settings.string("ANYROUTER_HOST", "127.0.0.1");
            if (host.isBlank() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
                host = "127.0.0.1";
            }
            uri = URI.create("http://" + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":"
                    + port);
        }
        if ("http".equals(uri.getScheme()) && !loopback(uri.getHost())) {
            throw new ConfigException("ANYROUTER_GATEWAY_URL: " + uri + " is plain HTTP to an address that is not "
                    + "loopback: the admin key would cross the network in clear (expected: https, or a loopback address)");
        }
        return Optional.of(uri);
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a key and print it (shown once; only its hash is stored).")
    static final class Create implements Callable<Integer> {

        @Spec
        private CommandSpec spec;

        @Option(names = "--label", required = true, description = "A name for the key.")
        private String label;

        @Option(names = "--limit", description = "The most it may spend, in USD (default: no limit).")
        private String limit;

        @Option(names = "--rpm", paramLabel = "N", description = "Its requests per minute, 0 for unlimited "
                + "(default: the gateway's ANYROUTER_KEY_RPM).")
        private String rpm;

        @Option(names = "--tpm", paramLabel = "N", description = "Its tokens per minute, 0 for unlimited "
                + "(default: the gateway's ANYROUTER_KEY_TPM).")
        private String tpm;

        @Override
        public Integer call() {
            Optional<BigDecimal> credit;
            OptionalLong requests;
            OptionalLong tokens;
            try {
                credit = Optional.ofNullable(limit).map(l -> KeyStore.limit(l.trim(), "--limit"));
                requests = rate(rpm, "--rpm", LimitsConfig.MAX_RPM);
                tokens = rate(tpm, "--tpm", LimitsConfig.MAX_TPM);
            } catch (IllegalArgumentException e) {
                spec.commandLine().getErr().println("anyrouter: " + e.getMessage());
                return 2;
            }
            if (label.isBlank() || label.length() > 200) {
                spec.commandLine().getErr().println("anyrouter: --label: expected 1 to 200 characters");
                return 2;
            }
            return withStore(spec, store -> {
                KeyStore.NewKey created = store.create(label.strip(), credit, requests, tokens);
                PrintWriter out = spec.commandLine().getOut();
                out.println(created.key());
                out.println("id " + created.record().id() + ", label '" + created.record().label() + "', limit "
                        + created.record().limit().map(l -> l.toPlainString() + " USD").orElse("none")
                        + rate(", rpm ", created.record().rpm()) + rate(", tpm ", created.record().tpm())
                        + ". The key is shown only now; store it safely.");
                return 0;
            });
        }

        private static OptionalLong rate(String text, String option, long max) {
            return text == null ? OptionalLong.empty() : OptionalLong.of(KeyStore.rate(text.trim(), option, max));
        }

        private static String rate(String name, OptionalLong rate) {
            return rate.isPresent() ? name + (rate.getAsLong() == 0 ? "unlimited" : rate.getAsLong()) : "";
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List keys (never the keys themselves).")
    static final class ListKeys implements Callable<Integer> {

        @Spec
        private CommandSpec spec;

        @Override
        public Integer call() {
            return withStore(spec, store -> {
                List<ClientKey> keys = store.list(); // first: nothing printed if the admin API is not there
                PrintWriter out = spec.commandLine().getOut();
                out.printf("%-21s %-9s %-14s %-14s %-4s %s%n", "ID", "STATE", "USAGE (USD)", "LIMIT (USD)", "FROM",
                        "LABEL");
                for (ClientKey key : keys) {
                    out.printf("%-21s %-9s %-14s %-14s %-4s %s%n", key.id(), key.disabled() ? "disabled" : "enabled",
                            key.used().toPlainString(), key.limit().map(BigDecimal::toPlainString).orElse("-"),
                            key.source(), key.label());
                }
                return 0;
            });
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true, description = "Refuse a key from now on.")
    static final class Disable implements Callable<Integer> {

        @Spec
        private CommandSpec spec;

        @Parameters(paramLabel = "ID", description = "The key's id, as 'keys list' shows it.")
        private String id;

        @Override
        public Integer call() {
            return setDisabled(spec, id, true);
        }
    }

    @Command(name = "enable", mixinStandardHelpOptions = true, description = "Accept a disabled key again.")
    static final class Enable implements Callable<Integer> {

        @Spec
        private CommandSpec spec;

        @Parameters(paramLabel = "ID", description = "The key's id, as 'keys list' shows it.")
        private String id;

        @Override
        public Integer call() {
            return setDisabled(spec, id, false);
        }
    }

    private static int setDisabled(CommandSpec spec, String id, boolean disabled) {
        return withStore(spec, store -> {
            if (store.setDisabled(id, disabled).isEmpty()) {
                spec.commandLine().getErr().println("anyrouter: no key '" + id + "' (see 'keys list')");
                return 1;
            }
            spec.commandLine().getOut().println("key " + id + (disabled ? " disabled" : " enabled"));
            return 0;
        });
    }
}
