/**
 * Between the wire APIs: the request of one API rewritten for an upstream of another, and the upstream's events
 * turned into the client's ({@link dev.anyrouter.translate.Translation}, one per pair of client and upstream API,
 * picked by {@link dev.anyrouter.translate.Translations}). A translation reports what it relays through a
 * {@link dev.anyrouter.translate.Tally} and knows nothing else of billing. The wire rules are in
 * docs/wire-format.md; what is carried over and what is left out in docs/api.md.
 */
package dev.anyrouter.translate;
