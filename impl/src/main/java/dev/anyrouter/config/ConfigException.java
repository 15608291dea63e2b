package dev.anyrouter.config;

/** A setting is missing or has a value that cannot be used; the message names the setting and what was expected. */
public final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
