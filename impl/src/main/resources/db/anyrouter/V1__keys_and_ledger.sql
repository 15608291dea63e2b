-- Client keys (stored only as SHA-256 hashes) and the usage ledger: one row per generation.
-- Portable SQL: the same script runs on the embedded H2 database and on PostgreSQL.

CREATE TABLE api_keys (
    id           VARCHAR(32)    NOT NULL PRIMARY KEY,
    key_hash     CHAR(64)       NOT NULL UNIQUE,
    label        VARCHAR(200)   NOT NULL,
    credit_limit NUMERIC(30, 12),
    credit_used  NUMERIC(30, 12) NOT NULL DEFAULT 0,
    disabled     BOOLEAN        NOT NULL DEFAULT FALSE,
    source       VARCHAR(16)    NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE generations (
    id                 VARCHAR(64)    NOT NULL PRIMARY KEY,
    key_id             VARCHAR(32)    NOT NULL REFERENCES api_keys (id),
    model              VARCHAR(200)   NOT NULL,
    served_model       VARCHAR(200)   NOT NULL,
    provider           VARCHAR(64)    NOT NULL,
    streamed           BOOLEAN        NOT NULL,
    cancelled          BOOLEAN        NOT NULL,
    outcome            VARCHAR(16)    NOT NULL,
    finish_reason      VARCHAR(64),
    tokens_prompt      BIGINT         NOT NULL,
    tokens_completion  BIGINT         NOT NULL,
    tokens_counted     BOOLEAN        NOT NULL,
    total_cost         NUMERIC(30, 12) NOT NULL,
    latency_ms         BIGINT,
    generation_time_ms BIGINT         NOT NULL,
    created_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    error              VARCHAR(1000)
);

CREATE INDEX generations_by_key ON generations (key_id, created_at);
