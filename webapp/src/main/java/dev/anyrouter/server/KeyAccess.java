package dev.anyrouter.server;

import dev.anyrouter.config.ConfigException;
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
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Where the {@code keys} CLI ({@link KeysCommand}) reaches the keys it manages: the running gateway's admin API
 * ({@link AdminApiKeys}) with {@code ANYROUTER_ADMIN_KEY}, else, or when nothing answers there, the gateway's
 * database ({@link KeyStore}); and the gateway's address, checked so that the admin key never crosses a network in
 * clear.
 */
final class KeyAccess {

    /** The pool's and the migrations' start-up lines would bury the command's own output: warnings only. */
    private static final List<Logger> QUIET = List.of(Logger.getLogger("com.zaxxer.hikari"),
            Logger.getLogger("org.flywaydb"), Logger.getLogger("dev.anyrouter.store"));

    private KeyAccess() {
    }

    /** What the commands do, through the admin API ({@link AdminApiKeys}) or on the database ({@link KeyStore}). */
    interface Keys {
        KeyStore.NewKey create(String label, Optional<BigDecimal> limit, OptionalLong rpm, OptionalLong tpm);

        List<ClientKey> list();

        Optional<ClientKey> setDisabled(String id, boolean disabled);
    }

    /** Runs {@code action} on the keys; exit code 2 for bad settings, 1 if it fails. */
    static int withKeys(CommandSpec spec, Function<Keys, Integer> action) {
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
}
