-- Milestones of each ticket kept beside it for statistics and open data, so that a
-- public export or a median over 100,000 tickets reads one row per ticket, not its history.
-- Written by the store in the same transaction as the event that moves them; filled here
-- from the history for tickets that existed before.

-- When an office first acted on the ticket (took it in charge, started, resolved,
-- rejected or merged it). Cleared by a reassignment: the ticket waits for the new office.
ALTER TABLE tickets ADD COLUMN taken_in_charge_at TEXT;
-- When the ticket last entered a closed state (resolved, rejected, duplicate); cleared on reopening.
ALTER TABLE tickets ADD COLUMN closed_at TEXT;

UPDATE tickets SET taken_in_charge_at = (
    SELECT e.at FROM ticket_events e
    WHERE e.ticket_id = tickets.id AND e.from_status = 'received' AND e.to_status <> 'received'
      AND e.id > COALESCE((SELECT MAX(r.id) FROM ticket_events r
                           WHERE r.ticket_id = tickets.id AND r.kind = 'reassign'), 0)
    ORDER BY e.id LIMIT 1);

UPDATE tickets SET closed_at = (
    SELECT MAX(e.at) FROM ticket_events e
    WHERE e.ticket_id = tickets.id AND e.to_status IN ('resolved', 'rejected', 'duplicate')
      AND e.from_status IN ('received', 'taken_in_charge', 'in_progress'))
WHERE status IN ('resolved', 'rejected', 'duplicate');

-- Public exports page through tickets in filing order.
CREATE INDEX tickets_by_created_number ON tickets (created_at, public_number);
