/**
 * What a key may use: rate limits per minute ({@link dev.anyrouter.limits.RateLimits}, on local or shared Bucket4j
 * buckets), caps on requests in flight ({@link dev.anyrouter.limits.StreamCaps}) and credit reservations
 * ({@link dev.anyrouter.limits.CreditLimits}). Each refuses before anything reaches an upstream.
 */
package dev.anyrouter.limits;
