-- Two things citizens are e-mailed without any report step: the confirmation of a
-- subscription, and a one-time link to sign in to "my reports".
--
-- Anyone can follow a public report: an e-mail address subscribes to its public steps,
-- once the address is confirmed from the message sent to it. Each subscription has one
-- random secret (in its confirmation link and in the unsubscribe link of every message).
-- Ending one, by unsubscribing or by letting the confirmation lapse, erases the address.
-- Outbox rows for subscribers name the subscription (and sign-in messages their link), so the address is read at delivery
-- and an ended subscription is sent nothing more. SQLite cannot change a CHECK in place,
-- so the outbox is rebuilt with its rows and indexes.

CREATE TABLE subscriptions (
    id            INTEGER PRIMARY KEY,
    ticket_id     TEXT NOT NULL REFERENCES tickets (id),
    -- NULL once the subscription ended.
    email         TEXT,
    language      TEXT NOT NULL CHECK (language IN ('it', 'en')),
    secret        TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    confirmed_at  TEXT,
    ended_at      TEXT,
    -- unsubscribed | not_confirmed | erased
    ended_because TEXT,
    CHECK ((ended_at IS NULL) = (email IS NOT NULL))
);

CREATE UNIQUE INDEX subscriptions_live ON subscriptions (ticket_id, email) WHERE ended_at IS NULL;
CREATE INDEX subscriptions_by_email ON subscriptions (email, created_at) WHERE ended_at IS NULL;
CREATE INDEX subscriptions_pending ON subscriptions (created_at) WHERE confirmed_at IS NULL AND ended_at IS NULL;

-- "My reports": a citizen asks for a sign-in link at the address they left with their
-- reports; the link works once, for a few minutes. Erasing the citizen's data erases the
-- address here too.
CREATE TABLE sign_in_links (
    id         INTEGER PRIMARY KEY,
    email      TEXT,
    language   TEXT NOT NULL CHECK (language IN ('it', 'en')),
    secret     TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);

-- Addresses are compared lowercased: the same mailbox, however it was typed.
CREATE INDEX tickets_by_reporter_email ON tickets (lower(reporter_email)) WHERE reporter_email IS NOT NULL;
CREATE INDEX sign_in_links_by_email ON sign_in_links (email, created_at) WHERE email IS NOT NULL;

CREATE TABLE outbox_next (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL,
    event_id            INTEGER REFERENCES ticket_events (id),
    recipient_ticket_id TEXT REFERENCES tickets (id),
    office_id           TEXT,
    digest_day          TEXT,
    subscription_id     INTEGER REFERENCES subscriptions (id),
    sign_in_id          INTEGER REFERENCES sign_in_links (id),
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
                    'office_citizen_update', 'subscriber', 'subscription_confirmation',
                    'citizen_sign_in'))
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
CREATE UNIQUE INDEX outbox_subscriber ON outbox (event_id, subscription_id) WHERE kind = 'subscriber';
CREATE INDEX outbox_undelivered ON outbox (enqueued_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_by_recipient ON outbox (recipient_ticket_id) WHERE recipient_ticket_id IS NOT NULL;
CREATE INDEX outbox_by_event ON outbox (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX outbox_by_subscription ON outbox (subscription_id) WHERE subscription_id IS NOT NULL;
