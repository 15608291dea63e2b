/**
 * What operators see: Micrometer meters ({@link dev.anyrouter.ops.Metrics}), the JSON access log
 * ({@link dev.anyrouter.ops.AccessLog}) and the escaping of client-chosen text in log lines
 * ({@link dev.anyrouter.ops.LogText}). Names and fields are listed in docs/operations.md.
 */
package dev.anyrouter.ops;
