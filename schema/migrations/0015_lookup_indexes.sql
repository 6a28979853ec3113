-- Found by the benchmarks (docs/PERFORMANCE.md). Every public step looks up the reports
-- joined to its ticket as duplicates (to tell their reporters too), as do the staff and
-- public pages of a report: without an index each lookup read the whole tickets table,
-- so filing a report got slower with every report stored.
CREATE INDEX tickets_by_duplicate_of ON tickets (duplicate_of) WHERE duplicate_of IS NOT NULL;
-- The inbox counts tickets per status, and the overdue ones, for viewers of every office:
-- with this index both counts read the index alone instead of every ticket row.
CREATE INDEX tickets_by_status ON tickets (status, respond_by, resolve_by);
