-- What shows a customer's habits and places is sealed too: a transaction's time and
-- category, a service request's place, reference and times, an outbox payload (a
-- preference change) and every sync value (preferences such as elderly_mode, limits, the
-- device id). The columns become BLOBs, so the cache tables holding them are made again
-- empty and fetched again in full (the cursor goes). What the customer asked for stays:
-- plaintext payloads and sync values move to legacy columns that the store seals in place
-- when it opens with its key, in the same transaction that first tags the protected tables.

DROP TABLE txn;
CREATE TABLE txn (
    id           TEXT PRIMARY KEY NOT NULL,
    account_id   TEXT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'booked')),
    amount_minor BLOB NOT NULL,           -- C2
    currency     TEXT NOT NULL,
    counterparty BLOB NOT NULL,           -- C2
    description  BLOB NOT NULL,           -- C2
    category     BLOB NOT NULL,           -- sealed: habits
    occurred_at  BLOB NOT NULL,           -- sealed: habits (Unix ms)
    as_of        INTEGER NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('bank', 'device'))
) STRICT;
CREATE INDEX txn_by_account ON txn (account_id);
CREATE INDEX txn_pending ON txn (status) WHERE status = 'pending';

DROP TABLE service_request;
CREATE TABLE service_request (
    id           TEXT PRIMARY KEY NOT NULL,
    channel      TEXT NOT NULL CHECK (channel IN ('branch', 'phone', 'online')),
    status       TEXT NOT NULL CHECK (status IN ('open', 'scheduled', 'closed')),
    location     BLOB NOT NULL,           -- sealed: places
    reference    BLOB NOT NULL,           -- sealed
    scheduled_at BLOB,                    -- sealed (Unix ms)
    opened_at    BLOB NOT NULL,           -- sealed (Unix ms)
    as_of        INTEGER NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('bank', 'device'))
) STRICT;

ALTER TABLE outbox RENAME COLUMN payload TO legacy_payload;
ALTER TABLE outbox ADD COLUMN payload BLOB;  -- sealed, bound to kind and target

ALTER TABLE sync_state RENAME TO legacy_sync_state;
CREATE TABLE sync_state (
    key   TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL                   -- sealed, bound to its key
) STRICT;
DELETE FROM legacy_sync_state WHERE key = 'cursor';
