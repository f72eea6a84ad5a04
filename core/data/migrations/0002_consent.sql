-- Consent records: the customer's decision for each use of their data (minimum necessary,
-- user authorization). User intent: never dropped by a cache rebuild.

CREATE TABLE consent (
    purpose    TEXT PRIMARY KEY NOT NULL,
    granted    INTEGER NOT NULL CHECK (granted IN (0, 1)),
    decided_at INTEGER NOT NULL,
    -- Version of the wording the customer saw, so a changed purpose asks again.
    wording_version INTEGER NOT NULL
) STRICT;
