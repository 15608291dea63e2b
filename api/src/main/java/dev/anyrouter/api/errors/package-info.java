/**
 * The failures a client is told about: a {@link dev.anyrouter.api.errors.GatewayException} carries the status, error
 * type, message and {@code Retry-After} the client gets, as a JSON error before the first byte or an in-band
 * error after it; {@link dev.anyrouter.api.errors.Refusal} says why a request was refused before any upstream saw it.
 */
package dev.anyrouter.api.errors;
