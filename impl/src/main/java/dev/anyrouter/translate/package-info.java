/**
 * The built-in wire APIs, one subpackage each ({@code openai} with Azure OpenAI, {@code anthropic}), registered in
 * {@code META-INF/services/dev.anyrouter.api.spi.WireApi}: the request of one client API rewritten for the
 * upstream, and the upstream's answer turned into the client's. This package holds what they share. A codec
 * reports what it relays through a {@link dev.anyrouter.api.spi.Tally} and knows nothing else of billing. The wire
 * rules are in docs/wire-format.md, the design in docs/design.md#wire-apis; what is carried over and what is left
 * out in docs/api.md.
 */
package dev.anyrouter.translate;
