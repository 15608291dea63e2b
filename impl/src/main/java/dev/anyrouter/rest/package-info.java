/**
 * The HTTP surface on Jersey: the resources ({@code /api/v1/chat/completions}, {@code /api/v1/messages}, models,
 * key, generation, admin keys, health, ready, metrics), the request filters that authenticate, read and admit a
 * request, the error mapper, and the servlet filters and response wrappers that a container's behaviour demands
 * (docs/decisions/). The request path is drawn in docs/design.md.
 */
package dev.anyrouter.rest;
