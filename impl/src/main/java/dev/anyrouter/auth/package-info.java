/**
 * Client keys as the gateway checks them: {@link dev.anyrouter.auth.ApiKeys} holds the stored keys in memory by
 * hash and reloads them, so that checking a key never waits on the database. Keys are never stored or logged in
 * the clear.
 */
package dev.anyrouter.auth;
