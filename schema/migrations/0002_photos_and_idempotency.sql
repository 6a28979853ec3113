-- Photos of a ticket (stored in R2 under keys derived from the ticket id) and the keys
-- that make a retried submission return the ticket it already created.

CREATE TABLE ticket_photos (
    ticket_id     TEXT NOT NULL REFERENCES tickets (id),
    position      INTEGER NOT NULL,            -- 1, 2, 3 in the order the citizen gave them
    object_key    TEXT NOT NULL UNIQUE,        -- R2 key of the metadata-free photo
    thumbnail_key TEXT,                        -- R2 key of the small variant, when one was made
    content_type  TEXT NOT NULL,
    bytes         INTEGER NOT NULL,
    width         INTEGER NOT NULL,
    height        INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, position)
);

CREATE TABLE idempotency_keys (
    key         TEXT PRIMARY KEY,              -- Idempotency-Key header, form nonce, or content fingerprint
    fingerprint TEXT NOT NULL,                 -- SHA-256 of the validated submission
    ticket_id   TEXT NOT NULL REFERENCES tickets (id),
    created_at  TEXT NOT NULL
);
