package dev.anyrouter.api.spi;

/** Where a {@link StreamCodec} sends the client's server-sent events. */
@FunctionalInterface
public interface Emitter {

    /** Sends one event ({@code name} is {@code null} for an unnamed one); false when the client is gone. */
    boolean send(String name, String data);
}
