-- Ticket store of one comune (one Durable Object with SQLite storage per comune).
-- Applied in order by the store on start; never edit a released migration, add a new one.
-- No BEGIN/COMMIT here: the store wraps each migration in a transaction itself.

CREATE TABLE tickets (
    id              TEXT PRIMARY KEY,          -- UUID v7
    public_number   TEXT NOT NULL UNIQUE,      -- e.g. 2026-000123
    year            INTEGER NOT NULL,
    sequence        INTEGER NOT NULL,
    tracking_token  TEXT NOT NULL UNIQUE,      -- the citizen's capability to follow the ticket
    status          TEXT NOT NULL,
    priority        TEXT NOT NULL DEFAULT 'normal',
    theme           TEXT NOT NULL,
    category        TEXT NOT NULL,
    kind            TEXT NOT NULL,
    description     TEXT NOT NULL,
    address         TEXT,
    lat             REAL,
    lon             REAL,
    reporter_name   TEXT,                      -- personal data
    reporter_email  TEXT,                      -- personal data
    language        TEXT NOT NULL,
    office          TEXT NOT NULL,
    routing_rule    TEXT,                      -- NULL when the default office was used
    created_at      TEXT NOT NULL,             -- RFC 3339, UTC
    updated_at      TEXT NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1, -- bumped on every change: optimistic concurrency
    UNIQUE (year, sequence)
);

CREATE INDEX tickets_by_office_status ON tickets (office, status, created_at);
CREATE INDEX tickets_by_created ON tickets (created_at);

-- Append-only history: one row per accepted action, never updated or deleted.
CREATE TABLE ticket_events (
    id          INTEGER PRIMARY KEY,         -- rowid: rows are never deleted, so ids only grow
    ticket_id   TEXT NOT NULL REFERENCES tickets (id),
    at          TEXT NOT NULL,
    actor_kind  TEXT NOT NULL,                 -- citizen | staff | system
    actor_id    TEXT,
    kind        TEXT NOT NULL,                 -- created | take_in_charge | resolve | ...
    from_status TEXT,
    to_status   TEXT NOT NULL,
    office      TEXT,
    visibility  TEXT NOT NULL,                 -- public | internal
    note        TEXT
);

CREATE INDEX ticket_events_by_ticket ON ticket_events (ticket_id, id);

CREATE TRIGGER ticket_events_are_append_only_update BEFORE UPDATE ON ticket_events
BEGIN
    SELECT RAISE(ABORT, 'ticket history is append-only');
END;

CREATE TRIGGER ticket_events_are_append_only_delete BEFORE DELETE ON ticket_events
BEGIN
    SELECT RAISE(ABORT, 'ticket history is append-only');
END;

-- Last public-number sequence used per year; read and bumped in the ticket's transaction.
CREATE TABLE number_sequences (
    year          INTEGER PRIMARY KEY,
    last_sequence INTEGER NOT NULL
);
