-- Found by the benchmarks (docs/PERFORMANCE.md). The statistics' backlog reads the events
-- that open or close a report: filings, closings and reopenings, about two in five. With
-- this index they are read alone, in order and without the rows, instead of every event.
-- The condition is the one store::open_data::backlog_steps_sql writes, word for word.
CREATE INDEX ticket_events_backlog ON ticket_events (at, ticket_id, from_status)
    WHERE from_status IS NULL
       OR (from_status IN ('received', 'taken_in_charge', 'in_progress') AND to_status IN ('resolved', 'rejected', 'duplicate'))
       OR (from_status IN ('resolved', 'rejected', 'duplicate') AND to_status IN ('received', 'taken_in_charge', 'in_progress'));
