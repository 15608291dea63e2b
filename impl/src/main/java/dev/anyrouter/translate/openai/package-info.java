/**
 * OpenAI Chat Completions ({@code api: openai}) and Azure OpenAI ({@code api: azure-openai}): Chat Completions
 * requests passed through, Messages requests translated, and the answers brought back (docs/wire-format.md
 * section 2).
 */
package dev.anyrouter.translate.openai;
