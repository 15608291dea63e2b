/**
 * Client keys as the gateway checks them: {@link dev.anyrouter.auth.ApiKeys} holds the stored keys in memory by
 * hash and reloads them; {@link dev.anyrouter.auth.KeyHash} makes keys and hashes them (SHA-256). Keys are never
 * stored or logged in the clear.
 */
package dev.anyrouter.auth;
