//! Staff access to tickets: the filtered inbox with its counts, the CSV export, the full
//! ticket, and actions checked against the acting person's role and office.

use super::staff::{find_user, staff_names, StaffError};
use super::{
    apply_command, count, history, photos, timestamp, ApplyError, SqlDatabase, SqlValue,
    StoreError, TicketRecord, TicketRow,
};
use crate::config::ComuneConfig;
use crate::public_number::PublicNumber;
use crate::staff::access::{Permission, Scope};
use crate::staff::inbox::{AssigneeFilter, InboxQuery, Sort, MAX_EXPORT_ROWS};
use crate::staff::views::{InboxPage, StaffTicketView, StatusCounts, TicketSummary};
use crate::staff::StaffUser;
use crate::status::Status;
use crate::ticket::{Actor, Deadlines, Ticket};
use crate::workflow::{Command, Outcome};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::OPEN_STATUSES as OPEN;

/// `LIKE` pattern matching `text` anywhere, with the wildcards in it taken literally.
fn contains_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The WHERE clause of a query for a viewer, with or without the status filter.
fn conditions(
    viewer: &StaffUser,
    query: &InboxQuery,
    now: DateTime<Utc>,
    with_status: bool,
) -> (String, Vec<SqlValue>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut params: Vec<SqlValue> = Vec::new();
    match viewer.scope() {
        Scope::AllOffices => {
            if let Some(office) = &query.office {
                clauses.push("office = ?".into());
                params.push(office.as_str().into());
            }
        }
        Scope::Office(office) => {
            clauses.push("office = ?".into());
            params.push(office.into());
        }
        Scope::Nothing => clauses.push("0".into()),
    }
    if with_status && !query.statuses.is_empty() {
        let marks = vec!["?"; query.statuses.len()].join(", ");
        clauses.push(format!("status IN ({marks})"));
        params.extend(query.statuses.iter().map(|s| s.as_str().into()));
    }
    for (column, value) in [
        ("theme", query.theme.as_deref()),
        ("category", query.category.as_deref()),
        ("kind", query.kind.map(|k| k.as_str())),
        ("priority", query.priority.map(|p| p.as_str())),
    ] {
        if let Some(value) = value {
            clauses.push(format!("{column} = ?"));
            params.push(value.into());
        }
    }
    if let Some(from) = query.filed_from {
        clauses.push("created_at >= ?".into());
        params.push(timestamp(from).into());
    }
    if let Some(before) = query.filed_before {
        clauses.push("created_at < ?".into());
        params.push(timestamp(before).into());
    }
    if query.overdue {
        let (clause, now_params) = overdue_clause(now);
        clauses.push(clause);
        params.extend(now_params);
    }
    match &query.assignee {
        Some(AssigneeFilter::Me) => {
            clauses.push("assignee = ?".into());
            params.push(viewer.id.to_string().into());
        }
        Some(AssigneeFilter::Person(id)) => {
            clauses.push("assignee = ?".into());
            params.push(id.to_string().into());
        }
        Some(AssigneeFilter::Nobody) => clauses.push("assignee IS NULL".into()),
        None => {}
    }
    if let Some(search) = &query.search {
        let pattern = contains_pattern(search);
        clauses.push(
            "(public_number LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\' OR address LIKE ? ESCAPE '\\')"
                .into(),
        );
        params.extend([
            pattern.clone().into(),
            pattern.clone().into(),
            pattern.into(),
        ]);
    }
    let clause = if clauses.is_empty() {
        "1".to_string()
    } else {
        clauses.join(" AND ")
    };
    (clause, params)
}

/// Same rule as [`Ticket::is_overdue`], in SQL: open tickets late at `now` (the outbox's
/// deadline lists pass a later instant, for the tickets due by then).
pub(super) fn overdue_clause(now: DateTime<Utc>) -> (String, Vec<SqlValue>) {
    (
        format!(
            "((status = 'received' AND respond_by < ?)
              OR (status IN {OPEN} AND resolve_by IS NOT NULL AND resolve_by < ?))"
        ),
        vec![timestamp(now).into(), timestamp(now).into()],
    )
}

fn order_by(sort: Sort) -> &'static str {
    match sort {
        Sort::Newest => "created_at DESC, id DESC",
        Sort::Oldest => "created_at ASC, id ASC",
        Sort::Updated => "updated_at DESC, id DESC",
        Sort::Priority => {
            "CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END, created_at ASC"
        }
        // The deadline that matters now: taking in charge, then resolution; closed last.
        Sort::Due => {
            "CASE WHEN status = 'received' THEN respond_by
                  WHEN status IN ('taken_in_charge', 'in_progress') THEN COALESCE(resolve_by, '9999')
                  ELSE '9999z' END ASC, created_at ASC"
        }
    }
}

#[derive(Deserialize)]
struct StatusCount {
    status: String,
    n: i64,
}

fn tickets_where(
    db: &impl SqlDatabase,
    clause: &str,
    params: &[SqlValue],
    order: &str,
    limit: u32,
    offset: u64,
) -> Result<Vec<Ticket>, StoreError> {
    let mut all = params.to_vec();
    all.push(i64::from(limit).into());
    all.push(i64::try_from(offset).unwrap_or(i64::MAX).into());
    let rows: Vec<TicketRow> = db.query(
        &format!("SELECT * FROM tickets WHERE {clause} ORDER BY {order} LIMIT ? OFFSET ?"),
        &all,
    )?;
    rows.into_iter().map(Ticket::try_from).collect()
}

/// One page of the viewer's inbox, with counts per status for the same filters.
pub fn inbox(
    db: &impl SqlDatabase,
    viewer: &StaffUser,
    query: &InboxQuery,
    config: &ComuneConfig,
    now: DateTime<Utc>,
) -> Result<InboxPage, StoreError> {
    let (clause, params) = conditions(viewer, query, now, true);
    let total = count(
        db,
        &format!("SELECT COUNT(*) AS n FROM tickets WHERE {clause}"),
        &params,
    )?;
    let offset = u64::from(query.page - 1) * u64::from(query.per_page);
    let tickets = tickets_where(
        db,
        &clause,
        &params,
        order_by(query.sort),
        query.per_page,
        offset,
    )?;

    let (all_statuses, params) = conditions(viewer, query, now, false);
    let mut counts = StatusCounts::default();
    let rows: Vec<StatusCount> = db.query(
        &format!("SELECT status, COUNT(*) AS n FROM tickets WHERE {all_statuses} GROUP BY status"),
        &params,
    )?;
    for row in rows {
        if let Some(status) = Status::parse(&row.status) {
            counts.add(status, row.n.max(0) as u64);
        }
    }
    let (overdue, overdue_params) = overdue_clause(now);
    let mut params = params;
    params.extend(overdue_params);
    counts.overdue = count(
        db,
        &format!("SELECT COUNT(*) AS n FROM tickets WHERE {all_statuses} AND {overdue}"),
        &params,
    )?;

    Ok(InboxPage {
        tickets: tickets
            .iter()
            .map(|t| TicketSummary::of(t, config, now))
            .collect(),
        page: query.page,
        per_page: query.per_page,
        total,
        pages: total.div_ceil(u64::from(query.per_page)),
        counts,
    })
}

/// Every ticket matching the filters (not only one page), for the CSV export.
pub fn export(
    db: &impl SqlDatabase,
    viewer: &StaffUser,
    query: &InboxQuery,
    now: DateTime<Utc>,
) -> Result<Vec<Ticket>, StoreError> {
    every_matching(db, viewer, query, now, None, MAX_EXPORT_ROWS)
}

/// Every ticket matching the filters (and `extra`, an SQL condition), up to `limit`.
fn every_matching(
    db: &impl SqlDatabase,
    viewer: &StaffUser,
    query: &InboxQuery,
    now: DateTime<Utc>,
    extra: Option<&str>,
    limit: u32,
) -> Result<Vec<Ticket>, StoreError> {
    let (clause, params) = conditions(viewer, query, now, true);
    let clause = match extra {
        Some(extra) => format!("({clause}) AND {extra}"),
        None => clause,
    };
    tickets_where(db, &clause, &params, order_by(query.sort), limit, 0)
}

/// Most points one map holds; more would not be readable anyway (filter first).
pub const MAX_MAP_POINTS: u32 = 5_000;

/// Every ticket matching the filters that has a point, for the inbox's map.
pub fn map_points(
    db: &impl SqlDatabase,
    viewer: &StaffUser,
    query: &InboxQuery,
    now: DateTime<Utc>,
) -> Result<Vec<Ticket>, StoreError> {
    every_matching(
        db,
        viewer,
        query,
        now,
        Some("lat IS NOT NULL AND lon IS NOT NULL"),
        MAX_MAP_POINTS,
    )
}

fn ticket_by_number(
    db: &impl SqlDatabase,
    number: PublicNumber,
) -> Result<Option<Ticket>, StoreError> {
    let rows: Vec<TicketRow> = db.query(
        "SELECT * FROM tickets WHERE public_number = ?",
        &[number.to_string().into()],
    )?;
    rows.into_iter().next().map(Ticket::try_from).transpose()
}

fn has_duplicates(db: &impl SqlDatabase, number: PublicNumber) -> Result<bool, StoreError> {
    let n = count(
        db,
        "SELECT COUNT(*) AS n FROM tickets WHERE duplicate_of = ?",
        &[number.to_string().into()],
    )?;
    Ok(n > 0)
}

/// A ticket the viewer may see; others are "not found", so numbers reveal nothing.
pub(super) fn visible_ticket(
    db: &impl SqlDatabase,
    viewer: &StaffUser,
    number: PublicNumber,
) -> Result<Ticket, StaffError> {
    match ticket_by_number(db, number)? {
        Some(ticket) if viewer.scope().includes(&ticket.routing.office) => Ok(ticket),
        _ => Err(StaffError::NotFound("ticket")),
    }
}

/// The whole ticket for the viewer: history with names, photos, duplicates merged into it.
pub fn ticket_view(
    db: &impl SqlDatabase,
    viewer: &StaffUser,
    number: PublicNumber,
    config: &ComuneConfig,
    now: DateTime<Utc>,
) -> Result<(StaffTicketView, TicketRecord), StaffError> {
    let ticket = visible_ticket(db, viewer, number)?;
    let record = TicketRecord {
        events: history(db, ticket.id)?,
        photos: photos(db, ticket.id)?,
        ticket,
        original: None,
    };
    #[derive(Deserialize)]
    struct NumberRow {
        public_number: String,
    }
    let duplicates = db
        .query::<NumberRow>(
            "SELECT public_number FROM tickets WHERE duplicate_of = ? ORDER BY created_at",
            &[number.to_string().into()],
        )?
        .into_iter()
        .filter_map(|row| PublicNumber::parse(&row.public_number).ok())
        .collect();
    let people = staff_names(db)?;
    let mut view = StaffTicketView::of(&record, duplicates, &people, viewer, config, now);
    if let Some(key) = &record.ticket.api_key_id {
        view.received_via = Some(super::api_keys::name_of(db, key)?.unwrap_or_else(|| key.clone()));
    }
    Ok((view, record))
}

/// Runs a staff command on a ticket the actor may work, after the checks that need other
/// rows: the assignee must work for the ticket's office (operators may only take tickets
/// themselves), and a duplicate's original must exist and not be a duplicate itself.
pub fn act(
    db: &impl SqlDatabase,
    actor: &StaffUser,
    number: PublicNumber,
    expected_version: u32,
    command: &Command,
    config: &ComuneConfig,
    now: DateTime<Utc>,
) -> Result<Outcome, StaffError> {
    if !actor.may(Permission::WorkTickets) {
        return Err(StaffError::Forbidden);
    }
    let ticket = visible_ticket(db, actor, number)?;
    match command {
        Command::Assign { assignee: Some(id) } => {
            // Operators may take a ticket nobody holds, not one a colleague holds.
            let taking_free_ticket = *id == actor.id && ticket.assignee.is_none();
            if !taking_free_ticket && !actor.may(Permission::AssignColleagues) {
                return Err(StaffError::Forbidden);
            }
            let assignee = find_user(db, id)?;
            if !assignee.is_some_and(|a| a.works_for(&ticket.routing.office)) {
                return Err(StaffError::field(
                    "assignee",
                    "not_a_colleague",
                    "is not an active member of the office holding the ticket",
                ));
            }
        }
        Command::Assign { assignee: None } => {
            let own = ticket.assignee.as_ref() == Some(&actor.id);
            if !own && !actor.may(Permission::AssignColleagues) {
                return Err(StaffError::Forbidden);
            }
        }
        // Tickets of other offices are "unknown" too: numbers reveal nothing.
        Command::MarkDuplicate { of } => match visible_ticket(db, actor, *of).ok() {
            None => {
                return Err(StaffError::field(
                    "of",
                    "unknown_ticket",
                    "no ticket of your office has this number",
                ))
            }
            Some(original) if original.status == Status::Duplicate => {
                return Err(StaffError::field(
                    "of",
                    "is_a_duplicate",
                    "that ticket is itself a duplicate: choose the ticket it was merged into",
                ))
            }
            Some(_) if has_duplicates(db, ticket.public_number)? => {
                return Err(StaffError::field(
                    "of",
                    "has_duplicates",
                    "other tickets were merged into this one: merge the other way round",
                ))
            }
            Some(_) => {}
        },
        _ => {}
    }
    apply_command(
        db,
        ticket.id,
        command,
        Actor::Staff(actor.id.to_string()),
        expected_version,
        config,
        now,
    )
    .map_err(|error| match error {
        ApplyError::NotFound => StaffError::NotFound("ticket"),
        ApplyError::Command(error) => StaffError::Command(error),
        ApplyError::Store(error) => StaffError::Store(error),
    })
}

/// Fills the deadlines of tickets stored before deadlines existed. Returns how many.
pub fn backfill_deadlines(
    db: &impl SqlDatabase,
    config: &ComuneConfig,
) -> Result<usize, StoreError> {
    #[derive(Deserialize)]
    struct Row {
        id: String,
        category: String,
        created_at: String,
    }
    let rows: Vec<Row> = db.query(
        "SELECT id, category, created_at FROM tickets WHERE respond_by IS NULL",
        &[],
    )?;
    db.transaction(|db| {
        for row in &rows {
            let filed = super::parse_timestamp(&row.created_at)?;
            let due = Deadlines::for_report(config, &row.category, filed);
            db.execute(
                "UPDATE tickets SET respond_by = ?, resolve_by = ? WHERE id = ?",
                &[
                    timestamp(due.respond_by).into(),
                    due.resolve_by.map(timestamp).into(),
                    row.id.as_str().into(),
                ],
            )?;
        }
        Ok(rows.len())
    })
}
