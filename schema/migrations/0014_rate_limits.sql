-- Rate limits on new reports and on follow-ups (rate_limit.rs): one row per admitted
-- submission and subject. Subjects (network addresses, e-mail addresses, API keys,
-- tracking tokens) are never stored: only a salted SHA-256 of them, and rows are deleted
-- once older than the longest window (a day). The salt is made once, at random, here.
CREATE TABLE rate_limit_salt (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    salt TEXT NOT NULL
);

CREATE TABLE rate_events (
    subject_hash TEXT NOT NULL,
    at           INTEGER NOT NULL
);

CREATE INDEX rate_events_by_subject ON rate_events (subject_hash, at);
CREATE INDEX rate_events_by_age ON rate_events (at);
