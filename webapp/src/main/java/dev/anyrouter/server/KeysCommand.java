package dev.anyrouter.server;

import dev.anyrouter.config.LimitsConfig;
import dev.anyrouter.store.ClientKey;
import dev.anyrouter.store.KeyStore;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
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
            return KeyAccess.withKeys(spec, store -> {
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
            return KeyAccess.withKeys(spec, store -> {
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

    /** {@code disable} and {@code enable}: sets whether the key with the given id is disabled. */
    abstract static class Switch implements Callable<Integer> {

        @Spec
        private CommandSpec spec;

        @Parameters(paramLabel = "ID", description = "The key's id, as 'keys list' shows it.")
        private String id;

        private final boolean disabled;

        Switch(boolean disabled) {
            this.disabled = disabled;
        }

        @Override
        public Integer call() {
            return KeyAccess.withKeys(spec, store -> {
                if (store.setDisabled(id, disabled).isEmpty()) {
                    spec.commandLine().getErr().println("anyrouter: no key '" + id + "' (see 'keys list')");
                    return 1;
                }
                spec.commandLine().getOut().println("key " + id + (disabled ? " disabled" : " enabled"));
                return 0;
            });
        }
    }

    @Command(name = "disable", mixinStandardHelpOptions = true, description = "Refuse a key from now on.")
    static final class Disable extends Switch {
        Disable() {
            super(true);
        }
    }

    @Command(name = "enable", mixinStandardHelpOptions = true, description = "Accept a disabled key again.")
    static final class Enable extends Switch {
        Enable() {
            super(false);
        }
    }
}
