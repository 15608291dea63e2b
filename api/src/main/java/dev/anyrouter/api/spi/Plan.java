package dev.anyrouter.api.spi;

/**
 * What to send upstream for one request and how to bring the answer back.
 *
 * @param upstreamBody the request body in the upstream's API, naming the upstream's model
 * @param codec        turns the upstream's answer into the client's API
 */
public record Plan(byte[] upstreamBody, StreamCodec codec) {
}
