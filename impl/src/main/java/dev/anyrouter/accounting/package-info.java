/**
 * What a request costs: a {@link dev.anyrouter.accounting.Generation} follows one request from its admission to its
 * ledger row (tokens, finish reason, cost of what was delivered), {@link dev.anyrouter.accounting.Prices} and the
 * bundled {@link dev.anyrouter.accounting.ModelCatalog} price models, {@link dev.anyrouter.accounting.TokenCounter}
 * counts tokens an upstream did not report, and {@link dev.anyrouter.accounting.CreditBudget} cuts a stream at its
 * key's credit. The rules are in docs/operations.md and docs/hardening.md (sections 2 and 5).
 */
package dev.anyrouter.accounting;
