-- Sync with the bank: the pull cursor, the outbox of queued requests, payment attempts.
-- The outbox and payment attempts are user intent: carried across a cache rebuild.

CREATE TABLE sync_state (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

-- Requests the customer made that the bank has not acknowledged yet (and their history).
-- Sent in (priority, seq) order, each with its own idempotency key; safety actions have
-- priority 0 and go first.
CREATE TABLE outbox (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    priority        INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    target_id       TEXT NOT NULL,
    method          TEXT NOT NULL,
    path            TEXT NOT NULL,
    body            TEXT NOT NULL,
    -- What the local echo replaced, to restore if the bank refuses the request.
    echo_previous   TEXT,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'acked', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    finished_at     INTEGER
) STRICT;

CREATE INDEX outbox_due ON outbox (state, priority, seq);

-- Payments the customer confirmed. Written before the request is sent, so a payment whose
-- answer was lost is reconciled by its key, never sent as a second payment.
CREATE TABLE payment_attempt (
    idempotency_key TEXT PRIMARY KEY NOT NULL,
    request         BLOB,                 -- C2: the signed request, sealed; NULL after salvage
    state           TEXT NOT NULL CHECK (state IN ('sending', 'executed', 'held', 'cancelled', 'refused')),
    payment_id      TEXT,
    reason          TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

-- Payments as the bank reports them (held ones can be cancelled).
CREATE TABLE payment (
    id              TEXT PRIMARY KEY NOT NULL,
    idempotency_key TEXT NOT NULL,
    kind            TEXT NOT NULL,
    from_account    TEXT NOT NULL,
    target_id       TEXT NOT NULL,
    amount_minor    BLOB NOT NULL,        -- C2
    currency        TEXT NOT NULL,
    status          TEXT NOT NULL,
    hold_until      INTEGER,
    created_at      INTEGER NOT NULL,
    as_of           INTEGER NOT NULL
) STRICT;
