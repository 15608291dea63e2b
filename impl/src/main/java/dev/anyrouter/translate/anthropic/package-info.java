/**
 * Anthropic Messages ({@code api: anthropic}): Messages requests passed through, Chat Completions requests
 * translated, and the answers brought back (docs/wire-format.md section 3).
 */
package dev.anyrouter.translate.anthropic;
