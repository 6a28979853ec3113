-- Staff accounts, failed-login throttling, the audit log of administrative changes, and
-- what the dashboard needs on tickets: the assignee, the response deadlines (from the
-- category's targets in working days, filled for older rows by the store on start) and
-- the ticket a duplicate was merged into.

ALTER TABLE tickets ADD COLUMN assignee TEXT;        -- staff_users.id
ALTER TABLE tickets ADD COLUMN respond_by TEXT;      -- RFC 3339: take in charge by then
ALTER TABLE tickets ADD COLUMN resolve_by TEXT;      -- RFC 3339, NULL without a resolution target
ALTER TABLE tickets ADD COLUMN duplicate_of TEXT;    -- public number of the original

CREATE INDEX tickets_by_office_respond_by ON tickets (office, status, respond_by);
CREATE INDEX tickets_by_assignee ON tickets (assignee, status);

CREATE TABLE staff_users (
    id                 TEXT PRIMARY KEY,           -- UUID v7
    email              TEXT NOT NULL UNIQUE,       -- lowercase
    name               TEXT NOT NULL,
    role               TEXT NOT NULL,              -- administrator | referent | operator
    office             TEXT,                       -- NULL for administrators
    password_hash      TEXT NOT NULL,              -- Argon2id, PHC string format
    active             INTEGER NOT NULL DEFAULT 1,
    session_generation INTEGER NOT NULL DEFAULT 1, -- bumped to end every session of the account
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);

-- Failed logins per account (typed e-mail) and per client address.
CREATE TABLE login_failures (
    key          TEXT PRIMARY KEY,                 -- account:<email> | address:<ip>
    count        INTEGER NOT NULL,
    window_start TEXT NOT NULL,
    locked_until TEXT
);

-- Who changed accounts or configuration, when, and what; never updated or deleted.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    actor_id TEXT,                                 -- NULL for the one-time setup
    action   TEXT NOT NULL,                        -- setup | create_user | change_user | ...
    subject  TEXT NOT NULL,                        -- what was changed (a user id, a config key)
    detail   TEXT NOT NULL                         -- JSON, never a password or hash
);

CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;

CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit log is append-only');
END;
