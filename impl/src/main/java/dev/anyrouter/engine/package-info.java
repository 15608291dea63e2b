/**
 * The engine's composition root: {@link dev.anyrouter.engine.AnyRouter} builds and owns the keys, ledger, limits,
 * router, upstream client, metrics and executors, starts them, drains them at shutdown and closes them, and builds
 * the one {@link dev.anyrouter.relay.RelayContext} every relay gets, so that the relay imports nothing of it.
 * Deployment (the jar, the WAR, embedding) is the {@code webapp} module's.
 */
package dev.anyrouter.engine;
