/**
 * The wire records AnyRouter answers with (errors, error chunks, models, key and generation views, admin keys),
 * shared by the gateway and its clients; the gateway's errors are in {@code api.errors}, its extension points in
 * {@code api.spi}. Jackson only: no Jersey, Jetty or servlet type.
 */
package dev.anyrouter.api;
