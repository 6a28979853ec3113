-- Notifications for citizens: one row per public history event and per citizen to tell,
-- written in the same transaction as the event, so no public step can go untold. The
-- recipient is the reporter of `recipient_ticket_id` (read at delivery, so a later erasure
-- of personal data is respected); it differs from the event's ticket when a duplicate's
-- reporter follows the original. Delivery (the e-mail outbox) fills `sent_at`.

CREATE TABLE notifications (
    id                  INTEGER PRIMARY KEY,
    event_id            INTEGER NOT NULL REFERENCES ticket_events (id),
    recipient_ticket_id TEXT NOT NULL REFERENCES tickets (id),
    created_at          TEXT NOT NULL,
    attempts            INTEGER NOT NULL DEFAULT 0,
    sent_at             TEXT,
    UNIQUE (event_id, recipient_ticket_id)
);

CREATE INDEX notifications_pending ON notifications (id) WHERE sent_at IS NULL;
