-- Citizens' follow-up from the tracking page. The rating of the answer (1 to 5 stars, from
-- the citizen's `rate` event) is kept beside the ticket for the statistics; offices are
-- e-mailed when a citizen writes, says the problem is not solved, or rates the answer,
-- which needs one more outbox kind. SQLite cannot change a CHECK in place, so the outbox
-- is rebuilt with its rows and indexes.

ALTER TABLE tickets ADD COLUMN rating INTEGER;
ALTER TABLE tickets ADD COLUMN rated_at TEXT;

CREATE TABLE outbox_next (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL,
    event_id            INTEGER REFERENCES ticket_events (id),
    recipient_ticket_id TEXT REFERENCES tickets (id),
    office_id           TEXT,
    digest_day          TEXT,
    created_at          TEXT NOT NULL,
    enqueued_at         TEXT,
    attempts            INTEGER NOT NULL DEFAULT 0,
    last_attempt_at     TEXT,
    last_error          TEXT,
    leased_until        TEXT,
    held_at             TEXT,
    sent_at             TEXT,
    provider_id         TEXT,
    failed_at           TEXT,
    CHECK (kind IN ('citizen', 'office_new_ticket', 'office_reassigned', 'office_deadlines',
                    'office_citizen_update'))
);

INSERT INTO outbox_next (id, kind, event_id, recipient_ticket_id, office_id, digest_day,
        created_at, enqueued_at, attempts, last_attempt_at, last_error, leased_until, held_at,
        sent_at, provider_id, failed_at)
    SELECT id, kind, event_id, recipient_ticket_id, office_id, digest_day, created_at,
        enqueued_at, attempts, last_attempt_at, last_error, leased_until, held_at, sent_at,
        provider_id, failed_at
    FROM outbox;

DROP TABLE outbox;
ALTER TABLE outbox_next RENAME TO outbox;

CREATE UNIQUE INDEX outbox_citizen ON outbox (event_id, recipient_ticket_id) WHERE kind = 'citizen';
CREATE UNIQUE INDEX outbox_office ON outbox (kind, event_id, office_id) WHERE event_id IS NOT NULL AND office_id IS NOT NULL;
CREATE UNIQUE INDEX outbox_digest ON outbox (office_id, digest_day) WHERE kind = 'office_deadlines';
CREATE INDEX outbox_undelivered ON outbox (enqueued_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_by_recipient ON outbox (recipient_ticket_id) WHERE recipient_ticket_id IS NOT NULL;
CREATE INDEX outbox_by_event ON outbox (event_id) WHERE event_id IS NOT NULL;
