/**
 * The extension points of the gateway: a {@link dev.anyrouter.api.spi.WireApi} is an upstream protocol with its
 * translators, found on the class path; a {@link dev.anyrouter.api.spi.StreamCodec} carries one request's answer
 * back to the client, reporting to a {@link dev.anyrouter.api.spi.Tally}. No servlet, JAX-RS or Jetty type appears
 * here (docs/design.md#wire-apis).
 */
package dev.anyrouter.api.spi;
