-- Per-key rate limits and the token buckets that enforce them. Portable SQL: the same script runs on the
-- embedded H2 database and on PostgreSQL.

-- A key's own limits: NULL takes the gateway's default (ANYROUTER_KEY_RPM, ANYROUTER_KEY_TPM), 0 is unlimited.
ALTER TABLE api_keys ADD COLUMN rpm BIGINT;
ALTER TABLE api_keys ADD COLUMN tpm BIGINT;

-- Bucket4j's buckets, shared by every replica on PostgreSQL (the embedded database keeps its buckets in memory
-- and leaves this table empty). id: limit kind, key id, limit and window; state: Bucket4j's serialized bucket;
-- expires_at: epoch ms after which the bucket is full again and its row may be deleted.
CREATE TABLE rate_limit_buckets (
    id         VARCHAR(200) NOT NULL PRIMARY KEY,
    state      BYTEA,
    expires_at BIGINT
);

CREATE INDEX rate_limit_buckets_by_expiry ON rate_limit_buckets (expires_at);
