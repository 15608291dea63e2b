/**
 * What the gateway keeps: the database ({@link dev.anyrouter.store.Database}, H2 in the data directory or
 * PostgreSQL, migrated by Flyway), client keys ({@link dev.anyrouter.store.KeyStore}, kept as hashes made by
 * {@link dev.anyrouter.store.KeyHash}), the usage ledger ({@link dev.anyrouter.store.Ledger}, written in
 * batches), rows of generations still running ({@link dev.anyrouter.store.InFlight}) and credit reservations.
 * docs/operations.md describes them.
 */
package dev.anyrouter.store;
