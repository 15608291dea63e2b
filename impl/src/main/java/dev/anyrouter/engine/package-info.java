/**
 * The engine's composition root: {@link dev.anyrouter.engine.AnyRouter} builds and owns the keys, ledger, limits,
 * router, upstream client, metrics and executors, starts them, drains them at shutdown and closes them.
 * Deployment (the jar, the WAR, embedding) is the {@code webapp} module's.
 */
package dev.anyrouter.engine;
