/**
 * The wire records AnyRouter answers with (errors, error chunks, models, key and generation views, admin keys),
 * shared by the gateway and its clients. Jackson annotations only: no Jersey, Jetty or servlet type.
 */
package dev.anyrouter.api;
