/**
 * The gateway's one JSON mapper ({@link dev.anyrouter.json.Json}): a shared buffer pool, plain decimals, and a
 * strict reader for what clients send. Depends on Jackson alone, so that every package may use it.
 */
package dev.anyrouter.json;
