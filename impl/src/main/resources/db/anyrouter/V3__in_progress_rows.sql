-- Rows of generations still running (outcome 'in_progress'), so that a gateway killed outright still bills them;
-- their final row replaces them, and at start a replica closes the ones it left as 'interrupted'. Portable SQL:
-- the same script runs on the embedded H2 database and on PostgreSQL.

-- The replica that wrote an in-progress row (its replica id); NULL on every other row.
ALTER TABLE generations ADD COLUMN owner VARCHAR(64);

CREATE INDEX generations_in_progress ON generations (outcome, owner);
