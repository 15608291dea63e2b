/**
 * The gateway's HTTP client to its providers: {@link dev.anyrouter.upstream.UpstreamClient} sends a request with the
 * Jersey client on Jetty's HttpClient and hands back its status, headers and event stream; the provider's
 * {@link dev.anyrouter.api.spi.WireApi} says where its requests go and which headers carry the key;
 * {@link dev.anyrouter.upstream.UpstreamErrors} reads an upstream's error into the client's. The connector
 * choice is in docs/decisions/upstream-connector.md.
 */
package dev.anyrouter.upstream;
