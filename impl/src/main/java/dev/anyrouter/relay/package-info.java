/**
 * Carries one request from an upstream to its client: {@link dev.anyrouter.relay.Relay} (the tries, the pump, the
 * one stop reason, the clean-up and billing), the pure {@link dev.anyrouter.relay.RetryPolicy}, and the client's
 * side as a {@link dev.anyrouter.relay.ClientSink}: {@link dev.anyrouter.relay.SseSink} for a stream,
 * {@link dev.anyrouter.relay.JsonSink} for a non-streamed answer. No servlet type: the container's side (watches on
 * the client's connection, flush batching) stays in {@code rest}. Nothing of the engine: what a relay needs from the
 * gateway is its {@link dev.anyrouter.relay.RelayContext}, and the relays running are
 * {@link dev.anyrouter.relay.RunningRelays}. The path is drawn in docs/design.md.
 */
package dev.anyrouter.relay;
