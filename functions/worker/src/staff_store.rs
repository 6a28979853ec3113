//! The store's side of staff requests: checks the identity against the current account,
//! then runs the operation with the core's store functions. Runs inside the Durable
//! Object, synchronously, so nothing interleaves between the checks and the writes.

use crate::comune;
use crate::platform::{now, CryptoEntropy};
use crate::staff_protocol::{
    NewAccount, SavedConfiguration, StaffCall, StaffOp, StaffRefusal, WireFieldError, REFUSED,
};
use crate::tenant::Env;
use segnala_core::config::ComuneConfig;
use segnala_core::email::Email;
use segnala_core::staff::account::ValidNewStaffUser;
use segnala_core::staff::inbox::InboxQuery;
use segnala_core::staff::password::PasswordHash;
use segnala_core::staff::views::map_features;
use segnala_core::staff::{csv, Permission, StaffUser};
use segnala_core::store::inbox::{act, export, inbox, map_points, ticket_view};
use segnala_core::store::staff::{self as accounts, StaffError};
use segnala_core::store::{api_keys, configuration, delivery, transfer, SqlDatabase};
use segnala_core::workflow::CommandError;
use serde::Serialize;
use worker::{Response, Result};

type Answer = std::result::Result<serde_json::Value, StaffError>;

fn json<T: Serialize>(value: &T) -> Answer {
    serde_json::to_value(value)
        .map_err(|e| StaffError::Store(segnala_core::store::StoreError::Database(e.to_string())))
}

fn valid_account(
    account: NewAccount,
) -> std::result::Result<(ValidNewStaffUser, PasswordHash), StaffError> {
    let email = Email::parse(&account.email).map_err(|_| {
        StaffError::field("email", "invalid_email", "is not a valid e-mail address")
    })?;
    let hash = PasswordHash::parse(&account.password_hash)
        .map_err(|_| StaffError::field("password", "invalid_hash", "could not be stored"))?;
    Ok((
        ValidNewStaffUser {
            email,
            name: account.name,
            role: account.role,
            office: account.office,
            password: String::new(),
        },
        hash,
    ))
}

fn require(user: &StaffUser, permission: Permission) -> std::result::Result<(), StaffError> {
    if user.may(permission) {
        Ok(())
    } else {
        Err(StaffError::Forbidden)
    }
}

pub fn handle(db: &impl SqlDatabase, env: &Env, call: StaffCall) -> Result<Response> {
    match run(db, env, call) {
        Ok(value) => Response::from_json(&value),
        Err(StaffError::Store(error)) => {
            worker::console_error!("staff store: {error}");
            Response::error("store error", 500)
        }
        Err(error) => Ok(Response::from_json(&refusal(error))?.with_status(REFUSED)),
    }
}

fn refusal(error: StaffError) -> StaffRefusal {
    let simple = |kind: &str, code: &str, message: String| StaffRefusal {
        kind: kind.into(),
        code: code.into(),
        message,
        fields: vec![],
    };
    match error {
        StaffError::SessionEnded => simple("session_ended", "session_ended", error.to_string()),
        StaffError::Forbidden => simple(
            "forbidden",
            "forbidden",
            "Your role does not allow this.".into(),
        ),
        StaffError::NotFound(what) => {
            simple("not_found", "not_found", format!("{what} not found."))
        }
        StaffError::Conflict(code) => simple("conflict", code, code.replace('_', " ")),
        StaffError::Invalid(errors) => StaffRefusal {
            kind: "invalid".into(),
            code: "validation_failed".into(),
            message: "Some fields are missing or invalid.".into(),
            fields: errors.0.iter().map(WireFieldError::from).collect(),
        },
        StaffError::Command(CommandError::Stale { .. }) => {
            simple("stale", "stale_version", error.to_string())
        }
        StaffError::Command(CommandError::Refused(refused)) => simple(
            "refused",
            "transition_refused",
            format!(
                "This action is not possible on a ticket that is {}.",
                refused.from.label_en().to_lowercase()
            ),
        ),
        StaffError::Command(CommandError::Invalid {
            field,
            code,
            message,
        }) => StaffRefusal {
            kind: "invalid".into(),
            code: "validation_failed".into(),
            message: "Some fields are missing or invalid.".into(),
            fields: vec![WireFieldError {
                field: field.into(),
                code: code.into(),
                message: message.into(),
            }],
        },
        StaffError::Store(_) => simple("internal", "internal", String::new()),
    }
}

fn run(db: &impl SqlDatabase, env: &Env, call: StaffCall) -> Answer {
    let config = comune::config(env);
    let now = now();
    let user = match (&call.identity, &call.op) {
        (
            None,
            StaffOp::Setup { .. }
            | StaffOp::LoginStart { .. }
            | StaffOp::LoginSucceeded { .. }
            | StaffOp::AccessLogin { .. },
        ) => None,
        (Some(identity), _) => Some(accounts::authenticate(db, identity)?),
        (None, _) => return Err(StaffError::SessionEnded),
    };
    let me = || user.as_ref().ok_or(StaffError::SessionEnded);
    match call.op {
        StaffOp::Setup { account } => {
            let (valid, hash) = valid_account(account)?;
            json(&accounts::setup_first_administrator(
                db,
                &valid,
                &hash,
                now,
                &mut CryptoEntropy,
            )?)
        }
        StaffOp::AccessLogin { email } => json(&accounts::login_with_access(db, &email, now)?),
        StaffOp::LoginStart { email, address } => {
            json(&accounts::login_start(db, &email, &address, now)?)
        }
        StaffOp::LoginSucceeded {
            user_id,
            email,
            address,
        } => json(&accounts::login_succeeded(
            db, &user_id, &email, &address, now,
        )?),
        StaffOp::Me => json(me()?),
        StaffOp::Inbox { query } => {
            let query = InboxQuery::parse(&query, config).map_err(StaffError::Invalid)?;
            json(&inbox(db, me()?, &query, config, now)?)
        }
        StaffOp::Export { query } => {
            let query = InboxQuery::parse(&query, config).map_err(StaffError::Invalid)?;
            let tickets = export(db, me()?, &query, now)?;
            let people = accounts::staff_names(db)?;
            let names = |id: &str| people.get(id).cloned().unwrap_or_default();
            json(&csv::render(&tickets, &names, config, now))
        }
        StaffOp::MapPoints { query } => {
            let query = InboxQuery::parse(&query, config).map_err(StaffError::Invalid)?;
            let tickets = map_points(db, me()?, &query, now)?;
            Ok(map_features(&tickets, config, now))
        }
        StaffOp::Ticket { number } => ticket_answer(db, me()?, number, config, now),
        StaffOp::ResendEmail { number, delivery } => {
            json(&delivery::resend(db, me()?, number, delivery, config, now)?)
        }
        StaffOp::Photo { number, position } => {
            let (_, record) = ticket_view(db, me()?, number, config, now)?;
            let photo = record
                .photos
                .into_iter()
                .find(|p| p.position == position)
                .ok_or(StaffError::NotFound("photo"))?;
            json(&photo)
        }
        StaffOp::Act {
            number,
            version,
            command,
        } => {
            let outcome = act(db, me()?, number, version, &command, config, now)?;
            match ticket_answer(db, me()?, outcome.ticket.public_number, config, now) {
                Ok(value) => Ok(value),
                // Reassigned away: done, but no longer this person's to see.
                Err(StaffError::NotFound(_)) => Ok(serde_json::json!({
                    "number": outcome.ticket.public_number,
                    "version": outcome.ticket.version,
                    "status": outcome.ticket.status,
                    "office": outcome.ticket.routing.office,
                    "left_your_office": true,
                })),
                Err(error) => Err(error),
            }
        }
        StaffOp::Bulk { items, command } => {
            let results: Vec<serde_json::Value> = items
                .iter()
                .map(|item| {
                    match act(db, me()?, item.number, item.version, &command, config, now) {
                        Ok(outcome) => Ok(serde_json::json!({
                            "number": item.number, "ok": true, "version": outcome.ticket.version,
                            "status": outcome.ticket.status,
                        })),
                        Err(StaffError::Store(error)) => Err(StaffError::Store(error)),
                        Err(error) => {
                            let refusal = refusal(error);
                            Ok(serde_json::json!({
                                "number": item.number, "ok": false, "error": refusal.code,
                                "message": refusal.message, "fields": refusal.fields,
                            }))
                        }
                    }
                })
                .collect::<std::result::Result<_, _>>()?;
            Ok(serde_json::json!({ "results": results }))
        }
        StaffOp::Colleagues => json(&accounts::colleagues(db, me()?)?),
        StaffOp::Users => {
            require(me()?, Permission::ManageStaff)?;
            json(&accounts::list_users(db)?)
        }
        StaffOp::CreateUser { account } => {
            require(me()?, Permission::ManageStaff)?;
            let (valid, hash) = valid_account(account)?;
            json(&accounts::create_user(
                db,
                me()?,
                &valid,
                &hash,
                now,
                &mut CryptoEntropy,
            )?)
        }
        StaffOp::ChangeUser {
            id,
            change,
            password_hash,
        } => {
            require(me()?, Permission::ManageStaff)?;
            let current =
                accounts::find_user(db, &id)?.ok_or(StaffError::NotFound("staff account"))?;
            let valid = change
                .validate(&current, config)
                .map_err(StaffError::Invalid)?;
            let hash = match (&valid.password, password_hash) {
                (Some(_), Some(text)) => Some(PasswordHash::parse(&text).map_err(|_| {
                    StaffError::field("password", "invalid_hash", "could not be stored")
                })?),
                _ => None,
            };
            json(&accounts::change_user(
                db,
                me()?,
                &current,
                &valid,
                hash.as_ref(),
                now,
            )?)
        }
        StaffOp::Audit { before } => {
            require(me()?, Permission::ManageStaff)?;
            json(&accounts::audit_log(db, 100, before)?)
        }
        StaffOp::ApiKeys => {
            require(me()?, Permission::ManageStaff)?;
            json(&serde_json::json!({
                "keys": api_keys::list(db)?,
                "people": accounts::staff_names(db)?,
            }))
        }
        StaffOp::CreateApiKey {
            key,
            key_hash,
            key_prefix,
        } => {
            require(me()?, Permission::ManageStaff)?;
            json(&api_keys::create(
                db,
                me()?,
                &key,
                &key_hash,
                &key_prefix,
                now,
                &mut CryptoEntropy,
            )?)
        }
        StaffOp::RevokeApiKey { id } => {
            require(me()?, Permission::ManageStaff)?;
            json(&api_keys::revoke(db, me()?, &id, now)?)
        }
        StaffOp::Configuration => {
            require(me()?, Permission::ManageConfiguration)?;
            let (version, text) = written_in_force(db, env)?;
            let names = accounts::staff_names(db)?;
            let versions: Vec<serde_json::Value> = configuration::versions(db)?
                .into_iter()
                .map(|v| {
                    serde_json::json!({
                        "version": v.version, "created_at": v.created_at, "note": v.note,
                        "restored_from": v.restored_from,
                        "created_by": names.get(&v.created_by).cloned().unwrap_or_default(),
                    })
                })
                .collect();
            Ok(serde_json::json!({
                "version": version,
                "config": parse_stored(&text)?,
                "versions": versions,
            }))
        }
        StaffOp::ConfigurationVersion { version } => {
            require(me()?, Permission::ManageConfiguration)?;
            let text = written_version(db, env, version)?;
            Ok(serde_json::json!({ "version": version, "config": parse_stored(&text)? }))
        }
        StaffOp::PreviewConfiguration { json: text } => {
            require(me()?, Permission::ManageConfiguration)?;
            let (_, changes) = configuration::check(db, &parse_in_force(db, env)?, &text)?;
            Ok(serde_json::json!({ "changes": changes }))
        }
        StaffOp::SaveConfiguration {
            json: text,
            note,
            based_on,
        } => save_configuration(db, env, me()?, &text, &note, based_on, None, now),
        StaffOp::RestoreConfiguration {
            version,
            note,
            based_on,
        } => {
            require(me()?, Permission::ManageConfiguration)?;
            let text = written_version(db, env, version)?;
            save_configuration(db, env, me()?, &text, &note, based_on, Some(version), now)
        }
        StaffOp::ExportTickets { after, limit } => {
            require(me()?, Permission::TransferData)?;
            if after.is_none() {
                // Every citizen's personal data leaves the service: who and when is kept.
                accounts::audit(
                    db,
                    now,
                    Some(&me()?.id),
                    "export_tickets",
                    "tickets",
                    serde_json::json!({}),
                )?;
            }
            json(&transfer::export_page(db, after, limit)?.ok_or(StaffError::NotFound("ticket"))?)
        }
        StaffOp::ImportTickets { batch } => {
            require(me()?, Permission::TransferData)?;
            match transfer::import_tickets(db, &batch, &me()?.id, now)? {
                Ok(outcome) => json(&outcome),
                Err(conflicts) => Err(StaffError::Invalid(conflicts)),
            }
        }
        StaffOp::ImportPhoto { id, photo, write } => {
            require(me()?, Permission::TransferData)?;
            json(&transfer::record_imported_photo(
                db,
                id,
                &photo,
                write,
                &me()?.id,
                now,
            )?)
        }
    }
}

/// The ticket as staff see it, with the e-mails owed about it.
fn ticket_answer(
    db: &impl SqlDatabase,
    viewer: &StaffUser,
    number: segnala_core::public_number::PublicNumber,
    config: &ComuneConfig,
    now: chrono::DateTime<chrono::Utc>,
) -> Answer {
    let (view, record) = ticket_view(db, viewer, number, config, now)?;
    let mut value = json(&view)?;
    value["emails"] = json(&delivery::deliveries(db, &record.ticket, config)?)?;
    Ok(value)
}

/// The version in force and its JSON as written (the built-in file for version 0).
fn written_in_force(
    db: &impl SqlDatabase,
    env: &Env,
) -> std::result::Result<(u32, String), StaffError> {
    Ok(configuration::current(db)?.unwrap_or_else(|| (0, comune::built_in_json(env).to_string())))
}

/// One version's JSON as written (the built-in file for version 0).
fn written_version(
    db: &impl SqlDatabase,
    env: &Env,
    version: u32,
) -> std::result::Result<String, StaffError> {
    if version == 0 {
        return Ok(comune::built_in_json(env).to_string());
    }
    configuration::content(db, version)?.ok_or(StaffError::NotFound("configuration version"))
}

/// The configuration in force, parsed as written (without the Worker's overrides).
fn parse_in_force(
    db: &impl SqlDatabase,
    env: &Env,
) -> std::result::Result<ComuneConfig, StaffError> {
    let (_, text) = written_in_force(db, env)?;
    ComuneConfig::from_json(&text).map_err(StaffError::Invalid)
}

fn parse_stored(text: &str) -> std::result::Result<serde_json::Value, StaffError> {
    serde_json::from_str(text)
        .map_err(|e| StaffError::Store(segnala_core::store::StoreError::CorruptRow(e.to_string())))
}

#[allow(clippy::too_many_arguments)]
fn save_configuration(
    db: &impl SqlDatabase,
    env: &Env,
    by: &StaffUser,
    text: &str,
    note: &str,
    based_on: u32,
    restored_from: Option<u32>,
    now: chrono::DateTime<chrono::Utc>,
) -> Answer {
    require(by, Permission::ManageConfiguration)?;
    let in_force = parse_in_force(db, env)?;
    let change = configuration::ConfigurationChange {
        json: text,
        note,
        based_on,
        restored_from,
    };
    let (version, changes) = configuration::save(db, by, &in_force, &change, now)?;
    // In force in this object at once; the Worker publishes it to the other isolates.
    if let Err(error) = comune::install(env, version, text) {
        worker::console_error!("configuration {version} saved but not installed: {error}");
    }
    json(&SavedConfiguration {
        version,
        changes,
        json: text.trim().to_string(),
    })
}
