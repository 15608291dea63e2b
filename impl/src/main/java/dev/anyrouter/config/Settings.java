package dev.anyrouter.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Typed reads of named settings ({@code ANYROUTER_PORT}, {@code OPENAI_API_KEY}, …) from one lookup: the
 * environment, system properties or a servlet context's parameters. Each read names its setting in any error.
 */
public final class Settings {

    private final Function<String, String> lookup;
    private final Function<String, String> describe;
    private final Set<String> providers;

    private Settings(Function<String, String> lookup, Function<String, String> describe, Set<String> providers) {
        this.lookup = Objects.requireNonNull(lookup, "lookup");
        this.describe = Objects.requireNonNull(describe, "describe");
        this.providers = Set.copyOf(providers);
    }

    public static Settings of(Function<String, String> lookup) {
        return new Settings(lookup, Function.identity(), Set.of());
    }

    /** A lookup whose errors name each setting as {@code describe} says (a config file's key, say). */
    public static Settings of(Function<String, String> lookup, Function<String, String> describe) {
        return new Settings(lookup, describe, Set.of());
    }

    /**
     * A config file's lookup that also declares providers by name ({@code providers.NAME}): their settings are
     * read as {@code NAME_API_KEY}, {@code NAME_BASE_URL}, … like a preset's.
     */
    static Settings of(Function<String, String> lookup, Function<String, String> describe, Set<String> providers) {
        return new Settings(lookup, describe, providers);
    }

    /** The providers a config file declares by name, in no particular order. */
    public Set<String> providers() {
        return providers;
    }

    /** How an error names the setting: its name, or where its value came from. */
    public String describe(String name) {
        return describe.apply(name);
    }

    /** The environment, with system properties of the same name taking precedence. */
    public static Settings fromEnvironment() {
        return of(name -> Optional.ofNullable(System.getProperty(name)).orElseGet(() -> System.getenv(name)));
    }

    /** This lookup, falling back to {@code other} where it has no value. */
    public Settings orElse(Settings other) {
        Set<String> both = new LinkedHashSet<>(providers);
        both.addAll(other.providers);
        return new Settings(name -> string(name).orElseGet(() -> other.string(name).orElse(null)),
                name -> string(name).isPresent() ? describe(name) : other.describe(name), both);
    }

    public Optional<String> string(String name) {
        return Optional.ofNullable(lookup.apply(name)).map(String::trim).filter(v -> !v.isEmpty());
    }

    public String string(String name, String defaultValue) {
        return string(name).orElse(defaultValue);
    }

    public List<String> list(String name) {
        return string(name).map(v -> Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .toList()).orElse(List.of());
    }

    public boolean flag(String name) {
        Optional<String> raw = string(name);
        if (raw.isEmpty() || raw.get().equalsIgnoreCase("false")) {
            return false;
        }
        if (raw.get().equalsIgnoreCase("true")) {
            return true;
        }
        throw new ConfigException(describe(name) + ": '" + raw.get() + "' (expected: true or false)");
    }

    public long number(String name, long defaultValue, long min, long max) {
        Optional<String> raw = string(name);
        if (raw.isEmpty()) {
            return defaultValue;
        }
        try {
            long value = Long.parseLong(raw.get());
            if (value < min || value > max) {
                throw new ConfigException(describe(name) + ": " + value + " (expected: " + min + ".." + max + ")");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new ConfigException(describe(name) + ": '" + raw.get() + "' (expected: a whole number)");
        }
    }

    public Duration millis(String name, Duration defaultValue, Duration min, Duration max) {
        return Duration.ofMillis(number(name, defaultValue.toMillis(), min.toMillis(), max.toMillis()));
    }
}
