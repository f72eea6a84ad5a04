-- The unified customer view, cached from the bank. Columns marked C2 hold AES-256-GCM
-- ciphertext bound to (table, column, id); see core/src/crypto.rs. Times are Unix
-- milliseconds (UTC); dates are ISO 8601 text. as_of is the bank's time for the row.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL
) STRICT;

CREATE TABLE customer (
    id        TEXT PRIMARY KEY NOT NULL,
    full_name BLOB NOT NULL,              -- C2
    id_number BLOB NOT NULL,              -- C2
    phone     BLOB NOT NULL,              -- C2
    locale    TEXT NOT NULL,
    as_of     INTEGER NOT NULL,
    source    TEXT NOT NULL CHECK (source IN ('bank', 'device'))
) STRICT;

CREATE TABLE account (
    id              TEXT PRIMARY KEY NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('current', 'savings', 'time_deposit', 'credit_card', 'loan')),
    name            TEXT NOT NULL,
    currency        TEXT NOT NULL,
    number          BLOB NOT NULL,        -- C2
    available_minor BLOB NOT NULL,        -- C2
    booked_minor    BLOB NOT NULL,        -- C2
    matures_on      TEXT,
    position        INTEGER NOT NULL,
    as_of           INTEGER NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('bank', 'device'))
) STRICT;

CREATE TABLE txn (
    id           TEXT PRIMARY KEY NOT NULL,
    account_id   TEXT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'booked')),
    amount_minor BLOB NOT NULL,           -- C2
    currency     TEXT NOT NULL,
    counterparty BLOB NOT NULL,           -- C2
    description  BLOB NOT NULL,           -- C2
    category     TEXT NOT NULL,
    occurred_at  INTEGER NOT NULL,
    as_of        INTEGER NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('bank', 'device'))
) STRICT;

CREATE INDEX txn_by_time ON txn (occurred_at DESC);
CREATE INDEX txn_by_account_time ON txn (account_id, occurred_at DESC);
CREATE INDEX txn_pending ON txn (status) WHERE status = 'pending';

CREATE TABLE payee (
    id             TEXT PRIMARY KEY NOT NULL,
    name           BLOB NOT NULL,         -- C2
    relationship   TEXT NOT NULL,
    account_number BLOB NOT NULL,         -- C2
    bank_name      TEXT NOT NULL,
    added_on       TEXT NOT NULL,
    transfers_made INTEGER NOT NULL,
    as_of          INTEGER NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('bank', 'device'))
) STRICT;

CREATE TABLE biller (
    id                 TEXT PRIMARY KEY NOT NULL,
    name               TEXT NOT NULL,
    category           TEXT NOT NULL,
    customer_reference BLOB NOT NULL,     -- C2
    as_of              INTEGER NOT NULL,
    source             TEXT NOT NULL CHECK (source IN ('bank', 'device'))
) STRICT;

CREATE TABLE bill (
    id           TEXT PRIMARY KEY NOT NULL,
    biller_id    TEXT NOT NULL REFERENCES biller (id) ON DELETE CASCADE,
    amount_minor BLOB NOT NULL,           -- C2
    currency     TEXT NOT NULL,
    due_on       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('due', 'paid')),
    as_of        INTEGER NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('bank', 'device'))
) STRICT;

CREATE INDEX bill_due ON bill (status, due_on);

CREATE TABLE card (
    id         TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('debit', 'credit')),
    name       TEXT NOT NULL,
    number     BLOB NOT NULL,             -- C2
    status     TEXT NOT NULL CHECK (status IN ('active', 'locked')),
    as_of      INTEGER NOT NULL,
    source     TEXT NOT NULL CHECK (source IN ('bank', 'device'))
) STRICT;

CREATE TABLE alert (
    id         TEXT PRIMARY KEY NOT NULL,
    kind       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read       INTEGER NOT NULL CHECK (read IN (0, 1)),
    as_of      INTEGER NOT NULL,
    source     TEXT NOT NULL CHECK (source IN ('bank', 'device'))
) STRICT;

CREATE TABLE service_request (
    id           TEXT PRIMARY KEY NOT NULL,
    channel      TEXT NOT NULL CHECK (channel IN ('branch', 'phone', 'online')),
    status       TEXT NOT NULL CHECK (status IN ('open', 'scheduled', 'closed')),
    location     TEXT NOT NULL,
    reference    TEXT NOT NULL,
    scheduled_at INTEGER,
    opened_at    INTEGER NOT NULL,
    as_of        INTEGER NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('bank', 'device'))
) STRICT;
