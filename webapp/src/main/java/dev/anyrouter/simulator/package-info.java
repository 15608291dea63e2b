/**
 * The built-in simulated upstream: a real HTTP SSE server (chat completions and Messages) mounted beside the
 * gateway, used by the offline default, the tests and the benchmark. Reachable only with its per-process key or
 * a client key; its knobs are bounded. docs/api.md describes it.
 */
package dev.anyrouter.simulator;
