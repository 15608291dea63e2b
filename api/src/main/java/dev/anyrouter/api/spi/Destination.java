package dev.anyrouter.api.spi;

/** Where one request goes, as a {@link StreamCodec} and a {@link Translator} see it. */
public interface Destination {

    /** The provider's name: the part of {@code provider/model} before the first {@code /}. */
    String provider();

    /** The model the upstream receives. */
    String upstreamModel();

    /**
     * An upstream's message as a client may see it: the provider's keys masked and the text cut short. Every
     * upstream text a codec puts into an error goes through it.
     */
    String scrub(String message);

    /** Whether every endpoint of the provider is on {@code host}: a vendor's own service, not a compatible one. */
    boolean onlyAt(String host);
}
