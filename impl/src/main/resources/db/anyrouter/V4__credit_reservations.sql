-- Credit reserved by the generations of limited keys while they run, so that a key's parallel requests cannot
-- together spend more than its limit (on one replica or on several sharing PostgreSQL). A row is added when a
-- request is admitted and deleted in the transaction that writes the generation's ledger row (which adds its
-- cost to api_keys.credit_used). expires_at: epoch ms after which a row left by a replica that died is ignored.
CREATE TABLE credit_reservations (
    generation_id VARCHAR(64)     NOT NULL PRIMARY KEY,
    key_id        VARCHAR(32)     NOT NULL REFERENCES api_keys (id),
    amount        NUMERIC(30, 12) NOT NULL,
    expires_at    BIGINT          NOT NULL
);

CREATE INDEX credit_reservations_by_key ON credit_reservations (key_id);
