-- The e-mail outbox: notifications become deliveries, to citizens (as before) and to
-- offices (a new ticket routed to them, a ticket passed to them, the daily list of tickets
-- about to miss their response target). Each row tracks its own delivery: when it went on
-- the queue, how many attempts, the last error, a short lease while one consumer sends it
-- (so a message delivered twice by the queue is sent once), and how it ended: sent (with
-- the provider's message id) or failed (with the reason). Staff can put a failed one back.
-- SQLite cannot relax NOT NULL in place, so the table is rebuilt; its rows are kept.

CREATE TABLE outbox (
    id                  INTEGER PRIMARY KEY,
    -- citizen | office_new_ticket | office_reassigned | office_deadlines
    kind                TEXT NOT NULL,
    event_id            INTEGER REFERENCES ticket_events (id),
    -- For citizens: the ticket whose reporter is told (read at delivery, so an erasure of
    -- personal data is respected).
    recipient_ticket_id TEXT REFERENCES tickets (id),
    -- For offices: the office told (its shared mailbox, read from the configuration).
    office_id           TEXT,
    -- For the daily deadline list: the Rome day it is for (YYYY-MM-DD).
    digest_day          TEXT,
    created_at          TEXT NOT NULL,
    enqueued_at         TEXT,
    attempts            INTEGER NOT NULL DEFAULT 0,
    last_attempt_at     TEXT,
    last_error          TEXT,
    leased_until        TEXT,
    -- Waiting for the citizen to confirm the address (not on the queue meanwhile).
    held_at             TEXT,
    sent_at             TEXT,
    provider_id         TEXT,
    failed_at           TEXT,
    CHECK (kind IN ('citizen', 'office_new_ticket', 'office_reassigned', 'office_deadlines'))
);

INSERT INTO outbox (id, kind, event_id, recipient_ticket_id, created_at, attempts, sent_at)
    SELECT id, 'citizen', event_id, recipient_ticket_id, created_at, attempts, sent_at
    FROM notifications;

DROP TABLE notifications;

CREATE UNIQUE INDEX outbox_citizen ON outbox (event_id, recipient_ticket_id) WHERE kind = 'citizen';
CREATE UNIQUE INDEX outbox_office ON outbox (kind, event_id, office_id) WHERE event_id IS NOT NULL AND office_id IS NOT NULL;
CREATE UNIQUE INDEX outbox_digest ON outbox (office_id, digest_day) WHERE kind = 'office_deadlines';
CREATE INDEX outbox_undelivered ON outbox (enqueued_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_by_recipient ON outbox (recipient_ticket_id) WHERE recipient_ticket_id IS NOT NULL;
CREATE INDEX outbox_by_event ON outbox (event_id) WHERE event_id IS NOT NULL;

-- Optional confirmation of the citizen's address before any message but the first: the
-- secret code sent in the first message, and when the link was followed.
ALTER TABLE tickets ADD COLUMN email_confirmation_code TEXT;
ALTER TABLE tickets ADD COLUMN email_confirmed_at TEXT;
CREATE UNIQUE INDEX tickets_email_confirmation ON tickets (email_confirmation_code) WHERE email_confirmation_code IS NOT NULL;
