/**
 * AnyRouter in a servlet container: {@link dev.anyrouter.webapp.EmbeddedAnyRouter} mounts the gateway under a path
 * of any Servlet 6 context, and {@link dev.anyrouter.webapp.AnyRouterListener} does it for the WAR.
 * docs/embedding.md and docs/deploying.md say how.
 */
package dev.anyrouter.webapp;
