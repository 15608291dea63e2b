package dev.anyrouter.config;

import java.time.Duration;
import java.util.Objects;

/**
 * What the embedded server (the jar) allows a client connection, so that slow or numerous connections cannot
 * exhaust its descriptors or threads. A WAR's connections are its container's to limit.
 *
 * @param headerTimeout     the longest a client may take to send a whole request head, from the head's first byte
 *                          ({@code ANYROUTER_HEADER_TIMEOUT_MS})
 * @param minRequestRate    the slowest a request body may arrive, in bytes per second; 0 turns the check off
 *                          ({@code ANYROUTER_MIN_REQUEST_RATE})
 * @param maxConnections    client connections open at once; at the cap the server stops accepting until one closes;
 *                          0 for no cap ({@code ANYROUTER_MAX_CONNECTIONS})
 * @param maxPerAddress     client connections open at once from one IP address; one more is closed at once; 0 for no
 *                          cap ({@code ANYROUTER_MAX_CONNECTIONS_PER_ADDRESS})
 */
public record ConnectionsConfig(Duration headerTimeout, long minRequestRate, int maxConnections, int maxPerAddress) {

    public ConnectionsConfig {
        Objects.requireNonNull(headerTimeout, "headerTimeout");
    }

    public static ConnectionsConfig from(Settings settings) {
        return new ConnectionsConfig(
                settings.millis("ANYROUTER_HEADER_TIMEOUT_MS", Duration.ofSeconds(10), Duration.ofMillis(100),
                        Duration.ofMinutes(10)),
                settings.number("ANYROUTER_MIN_REQUEST_RATE", 1024, 0, 1L << 30),
                (int) settings.number("ANYROUTER_MAX_CONNECTIONS", 10_000, 0, 1_000_000),
                (int) settings.number("ANYROUTER_MAX_CONNECTIONS_PER_ADDRESS", 1_000, 0, 1_000_000));
    }
}
