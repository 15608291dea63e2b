package dev.anyrouter.api.spi;

import java.math.BigDecimal;

/**
 * What a {@link StreamCodec} reports of the answer it relays, for billing: all a codec knows of accounting.
 * The request's generation implements it.
 */
public interface Tally {

    /** The generation's id, which the client sees as the answer's {@code id}. */
    String id();

    /** The model the upstream says served the request (the first one named wins). */
    void servedModel(String model);

    /** A chunk reached the client; {@code text} is its content, reasoning and tool-argument text. */
    void delivered(CharSequence text);

    /** The upstream's finish reason. */
    void finishReason(String reason);

    /** Usage as the upstream reported it; a {@code null} part was not reported. Final numbers only. */
    void usage(Long prompt, Long completion);

    /** What the answer costs so far, in USD: the usage block's {@code cost}. */
    BigDecimal cost();
}
