package dev.anyrouter.config;

import java.util.Objects;

/** A credential that never prints itself: {@code toString()} hides the value so it cannot leak into a log. */
public final class Secret {

    private final String value;

    private Secret(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    public static Secret of(String value) {
        return new Secret(value);
    }

    /** The value itself, for the one place that sends it: an upstream request header. */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "****";
    }
}
