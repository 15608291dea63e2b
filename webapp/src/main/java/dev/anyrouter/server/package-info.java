/**
 * The executable jar: {@link dev.anyrouter.server.Main} (picocli) starts {@link dev.anyrouter.server.AnyRouterServer},
 * an embedded Jetty 12 with the guards for slow and numerous clients, and runs the {@code keys} CLI against a
 * running gateway's admin API. {@link dev.anyrouter.server.JettyMount} mounts the gateway in a Jetty context.
 */
package dev.anyrouter.server;
