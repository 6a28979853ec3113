//! The comune's ticket store: a Durable Object with SQLite storage, one per comune, so
//! every change to its tickets is serialised and transactional. The store logic lives in
//! `segnala_core::store`; this file adapts it to the Durable Object's SQL API and speaks a
//! small internal HTTP protocol with the Worker (never exposed to clients).

use crate::comune;
use crate::outbox;
use crate::platform::{now, CryptoEntropy};
use crate::tenant::Env as TenantEnv;
use segnala_core::email::Email;
use segnala_core::follow_up::{CitizenCommand, FollowUpError};
use segnala_core::ids::TrackingToken;
use segnala_core::nearby::NearbyQuery;
use segnala_core::open_data::query::OpenDataQuery;
use segnala_core::public_number::PublicNumber;
use segnala_core::rate_limit::Charge;
use segnala_core::report::Language;
use segnala_core::store::follow_up::CitizenActError;
use segnala_core::store::PhotoRecord;
use segnala_core::store::{
    self, confirmation, delivery, Created, NewTicket, SqlDatabase, SqlValue, StoreError,
};
use segnala_core::subscription::AddressRequest;
use segnala_core::ticket::Ticket;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use wasm_bindgen::closure::ScopedClosure;
use wasm_bindgen::{JsCast, JsValue};
use worker::{
    durable_object, js_sys, DurableObject, Env, Method, Request, Response, Result, SqlStorage,
    SqlStorageValue, State,
};

/// Binding name of the Durable Object namespace in wrangler.toml.
pub const BINDING: &str = "COMUNE_STORE";
/// Header naming the comune on every call from the Worker.
pub const COMUNE_HEADER: &str = "X-Segnala-Comune";

/// Answer of the store to a new ticket.
#[derive(Serialize, Deserialize)]
pub struct CreateOutcome {
    pub ticket: Ticket,
    /// True when an earlier identical submission had already created the ticket.
    pub replayed: bool,
}

/// Status the store answers when an idempotency key comes back with another submission.
pub const IDEMPOTENCY_CONFLICT: u16 = 409;
/// Status the store answers when a client application's key was revoked meanwhile.
pub const API_KEY_REVOKED: u16 = 403;
/// A rate limit is used up; the body is the `rate_limit::Refusal`.
pub const RATE_LIMITED: u16 = 429;

#[derive(Serialize, Deserialize)]
pub struct StoreHealth {
    pub tickets: u64,
}

#[durable_object]
pub struct ComuneStore {
    state: State,
    env: Env,
    comune: Cell<Option<&'static str>>,
    migrated: Cell<bool>,
}

impl DurableObject for ComuneStore {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            comune: Cell::new(None),
            migrated: Cell::new(false),
        }
    }

    async fn fetch(&self, mut request: Request) -> Result<Response> {
        let env = match self.comune(&request) {
            Ok(env) => env,
            Err(response) => return Ok(response),
        };
        let db = DurableSql {
            sql: self.state.storage().sql(),
            storage: self.state.storage(),
        };
        if !self.migrated.get() {
            if let Err(error) = store::migrate(&db, now()) {
                return internal(error);
            }
            // A configuration saved from the dashboard is in force over the built-in one.
            match store::configuration::current(&db) {
                Ok(Some((version, json))) => {
                    if let Err(error) = comune::install(&env, version, &json) {
                        worker::console_error!("configuration {version} does not parse: {error}");
                    }
                }
                Ok(None) => {}
                Err(error) => return internal(error),
            }
            if let Err(error) = store::inbox::backfill_deadlines(&db, comune::config(&env)) {
                return internal(error);
            }
            self.migrated.set(true);
        }
        let path = request.path();
        // Writes that may owe e-mail; reads and the consumer's own calls owe none.
        let mut may_owe_email = path == "/tickets"
            || path == "/outbox/sweep"
            || path == "/follow-up"
            || path == "/subscriptions/follow"
            || path == "/citizen/sign-in"
            || (path.starts_with("/conferma-email/") && request.method() == Method::Post);
        let response = match (request.method(), path.as_str()) {
            (Method::Post, "/tickets") => {
                let new: NewTicket = request.json().await?;
                match store::create_ticket(&db, new, now(), &mut CryptoEntropy) {
                    Ok(Created::New(ticket)) => {
                        let outcome = CreateOutcome {
                            ticket,
                            replayed: false,
                        };
                        Ok(Response::from_json(&outcome)?.with_status(201))
                    }
                    Ok(Created::Replayed(ticket)) => Response::from_json(&CreateOutcome {
                        ticket,
                        replayed: true,
                    }),
                    Err(StoreError::IdempotencyKeyReused) => {
                        Response::error("idempotency key reused", IDEMPOTENCY_CONFLICT)
                    }
                    Err(StoreError::ApiKeyRevoked) => {
                        Response::error("API key revoked", API_KEY_REVOKED)
                    }
                    Err(StoreError::RateLimited(refusal)) => {
                        Ok(Response::from_json(&refusal)?.with_status(RATE_LIMITED))
                    }
                    Err(error) => internal(error),
                }
            }
            (Method::Post, "/rate-limits/check") => {
                let charges: Vec<Charge> = request.json().await?;
                match store::rate_limits::admit(&db, &charges, now(), &mut CryptoEntropy, false) {
                    Ok(Ok(())) => Response::from_json(&()),
                    Ok(Err(refusal)) => {
                        Ok(Response::from_json(&refusal)?.with_status(RATE_LIMITED))
                    }
                    Err(error) => internal(error),
                }
            }
            (Method::Get, _) if path.starts_with("/tickets/by-token/") => {
                let Ok(token) = TrackingToken::parse(&path["/tickets/by-token/".len()..]) else {
                    return Response::error("not found", 404);
                };
                match store::find_by_tracking_token(&db, &token) {
                    Ok(Some(record)) => Response::from_json(&record),
                    Ok(None) => Response::error("not found", 404),
                    Err(error) => internal(error),
                }
            }
            (Method::Post, "/follow-up") => {
                let call: FollowUpCall = request.json().await?;
                let config = comune::config(&env);
                match store::follow_up::act(
                    &db,
                    &call.token,
                    &call.command,
                    &call.photos,
                    config,
                    now(),
                    &mut CryptoEntropy,
                ) {
                    Ok(Ok(record)) => Response::from_json(&record),
                    Ok(Err(refused)) => {
                        Ok(Response::from_json(&FollowUpRefusal::of(&refused))?
                            .with_status(REFUSED))
                    }
                    Err(error) => internal(error),
                }
            }
            (Method::Post, "/staff") => {
                let call: crate::staff_protocol::StaffCall = request.json().await?;
                may_owe_email = call.op.may_owe_email();
                crate::staff_store::handle(&db, &env, call)
            }
            (Method::Get, "/health") => match store::count_tickets(&db) {
                Ok(tickets) => Response::from_json(&StoreHealth { tickets }),
                Err(error) => internal(error),
            },
            (Method::Get, "/open-data/version") => match store::open_data::data_version(&db) {
                Ok(version) => Response::from_json(&version),
                Err(error) => internal(error),
            },
            (Method::Post, "/open-data/reports") => {
                let call: crate::open_data::PageCall = request.json().await?;
                let config = comune::config(&env);
                match store::open_data::reports_page(
                    &db,
                    &call.query,
                    call.limit,
                    call.with_total,
                    config,
                    now(),
                ) {
                    Ok(Some(page)) => Response::from_json(&page),
                    Ok(None) => Response::error("no such report", 404),
                    Err(error) => internal(error),
                }
            }
            (Method::Post, "/open311/key") => {
                let key_hash: String = request.json().await?;
                match store::api_keys::authenticate(&db, &key_hash, now()) {
                    Ok(Some(id)) => Response::from_json(&id),
                    Ok(None) => Response::error("no such key", 404),
                    Err(error) => internal(error),
                }
            }
            (Method::Post, "/open311/requests") => {
                let call: crate::open311::RequestsCall = request.json().await?;
                match store::open311::rows(&db, &call.selection, call.limit) {
                    Ok(rows) => Response::from_json(&rows),
                    Err(error) => internal(error),
                }
            }
            (Method::Post, "/open311/token") => {
                let token: String = request.json().await?;
                match store::open311::number_of_token(&db, &token) {
                    Ok(Some(number)) => Response::from_json(&number),
                    Ok(None) => Response::error("no such token", 404),
                    Err(error) => internal(error),
                }
            }
            (Method::Post, "/open-data/statistics") => {
                let query: OpenDataQuery = request.json().await?;
                let config = comune::config(&env);
                match store::open_data::statistics(&db, &query, config, now()) {
                    Ok(statistics) => Response::from_json(&statistics),
                    Err(error) => internal(error),
                }
            }
            (Method::Post, "/outbox/claim") => {
                let id: i64 = request.json().await?;
                match delivery::claim(&db, id, comune::config(&env), now()) {
                    Ok(claim) => Response::from_json(&claim),
                    Err(error) => internal(error),
                }
            }
            (Method::Post, "/outbox/record") => {
                let call: outbox::RecordCall = request.json().await?;
                let base = outbox::retry_base_seconds(&env);
                match delivery::record(&db, call.id, &call.outcome, now(), base) {
                    Ok(recorded) => Response::from_json(&recorded),
                    Err(error) => internal(error),
                }
            }
            (Method::Post, "/outbox/dead-letter") => {
                let id: i64 = request.json().await?;
                match delivery::dead_lettered(&db, id, now()) {
                    Ok(()) => Response::from_json(&()),
                    Err(error) => internal(error),
                }
            }
            (Method::Post, "/outbox/sweep") => match self.sweep(&db, &env) {
                Ok(digests) => Response::from_json(&serde_json::json!({ "digests": digests })),
                Err(error) => internal(error),
            },
            (Method::Post, "/subscriptions/follow") => {
                let call: FollowCall = request.json().await?;
                match store::subscriptions::follow(
                    &db,
                    call.number,
                    &call.request,
                    now(),
                    &mut CryptoEntropy,
                ) {
                    Ok(Ok(())) => Response::from_json(&()),
                    Ok(Err(refused)) => Ok(Response::from_json(&refused)?.with_status(REFUSED)),
                    Err(error) => internal(error),
                }
            }
            (
                Method::Post,
                "/subscriptions/lookup" | "/subscriptions/confirm" | "/subscriptions/unsubscribe",
            ) => {
                let secret: TrackingToken = request.json().await?;
                let answer = match path.as_str() {
                    "/subscriptions/lookup" => store::subscriptions::lookup(&db, &secret),
                    "/subscriptions/confirm" => store::subscriptions::confirm(&db, &secret, now()),
                    _ => store::subscriptions::unsubscribe(&db, &secret, now()),
                };
                match answer {
                    Ok(Some(view)) => Response::from_json(&view),
                    Ok(None) => Response::error("not found", 404),
                    Err(error) => internal(error),
                }
            }
            (Method::Post, "/citizen/sign-in") => {
                let call: SignInCall = request.json().await?;
                match store::citizen_access::request_link(
                    &db,
                    &call.request,
                    call.link_seconds,
                    now(),
                    &mut CryptoEntropy,
                ) {
                    Ok(Ok(())) => Response::from_json(&()),
                    Ok(Err(refused)) => Ok(Response::from_json(&refused)?.with_status(REFUSED)),
                    Err(error) => internal(error),
                }
            }
            (Method::Post, "/citizen/redeem") => {
                let secret: TrackingToken = request.json().await?;
                match store::citizen_access::redeem(&db, &secret, now()) {
                    Ok(Ok(signed_in)) => Response::from_json(&signed_in),
                    Ok(Err(refused)) => Ok(Response::from_json(&refused)?.with_status(REFUSED)),
                    Err(error) => internal(error),
                }
            }
            (Method::Post, "/citizen/reports") => {
                let email: Email = request.json().await?;
                match store::citizen_access::reports_of(&db, &email) {
                    Ok(records) => Response::from_json(&records),
                    Err(error) => internal(error),
                }
            }
            (Method::Post, "/citizen/data") => {
                let call: CitizenCall = request.json().await?;
                let config = comune::config(&env);
                match store::citizen_access::data_of(&db, &call.email, config, call.language, now())
                {
                    Ok(data) => Response::from_json(&data),
                    Err(error) => internal(error),
                }
            }
            (Method::Post, "/citizen/erase") => {
                let email: Email = request.json().await?;
                match store::citizen_access::erase(&db, &email, now()) {
                    Ok(erased) => Response::from_json(&erased),
                    Err(error) => internal(error),
                }
            }
            (Method::Post, "/public-report") => {
                let call: PublicReportCall = request.json().await?;
                let config = comune::config(&env);
                match store::public_reports::public_report(
                    &db,
                    call.number,
                    config,
                    call.language,
                    now(),
                ) {
                    Ok(Some(report)) => Response::from_json(&report),
                    Ok(None) => Response::error("not found", 404),
                    Err(error) => internal(error),
                }
            }
            (Method::Post, "/nearby") => {
                let query: NearbyQuery = request.json().await?;
                let config = comune::config(&env);
                match store::public_reports::nearby(&db, &query, config, now()) {
                    Ok(reports) => Response::from_json(&reports),
                    Err(error) => internal(error),
                }
            }
            (Method::Get, _) if path.starts_with("/conferma-email/") => {
                let Ok(code) = TrackingToken::parse(&path["/conferma-email/".len()..]) else {
                    return Response::error("not found", 404);
                };
                match confirmation::ticket_of_code(&db, &code) {
                    Ok(Some(ticket)) => Response::from_json(&ticket),
                    Ok(None) => Response::error("not found", 404),
                    Err(error) => internal(error),
                }
            }
            (Method::Post, _) if path.starts_with("/conferma-email/") => {
                let Ok(code) = TrackingToken::parse(&path["/conferma-email/".len()..]) else {
                    return Response::error("not found", 404);
                };
                match confirmation::confirm_email(&db, &code, now()) {
                    Ok(Some(ticket)) => Response::from_json(&ticket),
                    Ok(None) => Response::error("not found", 404),
                    Err(error) => internal(error),
                }
            }
            _ => Response::error("no such store operation", 404),
        };
        // Whatever a write made owed goes on the outbox queue now, after its commit.
        if may_owe_email {
            outbox::flush(&db, &env).await;
        }
        response
    }
}

/// A citizen's follow-up, as the Worker sends it: the photos are already in R2.
#[derive(Debug, Serialize, Deserialize)]
pub struct FollowUpCall {
    pub token: TrackingToken,
    pub command: CitizenCommand,
    pub photos: Vec<PhotoRecord>,
}

/// Someone asks to follow a report by its number.
#[derive(Debug, Serialize, Deserialize)]
pub struct FollowCall {
    pub number: PublicNumber,
    pub request: AddressRequest,
}

/// A citizen asks for a sign-in link, valid for `link_seconds`.
#[derive(Debug, Serialize, Deserialize)]
pub struct SignInCall {
    pub request: AddressRequest,
    pub link_seconds: i64,
}

/// A signed-in citizen's data, names in a language.
#[derive(Debug, Serialize, Deserialize)]
pub struct CitizenCall {
    pub email: Email,
    pub language: Language,
}

/// A report's public page, in a language.
#[derive(Debug, Serialize, Deserialize)]
pub struct PublicReportCall {
    pub number: PublicNumber,
    pub language: Language,
}

/// Why the store did not take a citizen's follow-up, in terms the Worker answers with.
#[derive(Debug, Serialize, Deserialize)]
pub struct FollowUpRefusal {
    /// not_found | conflict | invalid
    pub kind: String,
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub field: Option<String>,
    /// For a rate limit: which one, and when the citizen may send again.
    #[serde(default)]
    pub rate_limit: Option<segnala_core::rate_limit::Refusal>,
}

impl FollowUpRefusal {
    fn of(refused: &CitizenActError) -> Self {
        let (kind, code, field) = match refused {
            CitizenActError::NotFound => ("not_found", "not_found", None),
            CitizenActError::Photos => ("conflict", "too_many_photos", Some("photos")),
            CitizenActError::RateLimited(_) => ("rate_limited", "rate_limited", None),
            CitizenActError::FollowUp(error) => match error {
                FollowUpError::Refused(_) => ("conflict", "not_possible_now", None),
                FollowUpError::TooLate { .. } => ("conflict", "too_late", None),
                FollowUpError::ReopeningOff => ("conflict", "reopening_off", None),
                FollowUpError::AlreadyRated => ("conflict", "already_rated", None),
                FollowUpError::TooManyMessages { .. } => ("conflict", "too_many_messages", None),
                FollowUpError::Invalid { field, code, .. } => ("invalid", *code, Some(*field)),
            },
        };
        let message = match refused {
            CitizenActError::FollowUp(FollowUpError::Invalid { message, .. }) => message.clone(),
            CitizenActError::FollowUp(FollowUpError::Refused(_)) => {
                "This is not possible while the report is in its current state.".into()
            }
            other => other.to_string(),
        };
        Self {
            kind: kind.into(),
            code: code.into(),
            message,
            field: field.map(String::from),
            rate_limit: match refused {
                CitizenActError::RateLimited(refusal) => Some(*refusal),
                _ => None,
            },
        }
    }
}

/// Status of a refused follow-up on the internal protocol.
pub const REFUSED: u16 = 400;

impl ComuneStore {
    /// Which comune this object is: the Worker names it on every call (`COMUNE_HEADER`),
    /// and an object keeps the first name it was given, so a call meant for one comune
    /// can never be answered from another's tickets.
    fn comune(&self, request: &Request) -> std::result::Result<TenantEnv, Response> {
        let refuse = |why: &str| {
            worker::console_error!("ticket store: {why}");
            Response::error("unknown comune", 400).expect("a static response")
        };
        let named = request
            .headers()
            .get(COMUNE_HEADER)
            .ok()
            .flatten()
            .and_then(|name| comune::by_id(&name))
            .ok_or_else(|| refuse("a call without a known comune"))?;
        match self.comune.get() {
            None => self.comune.set(Some(named)),
            Some(id) if id == named => {}
            Some(id) => return Err(refuse(&format!("a call for {named} reached {id}"))),
        }
        Ok(TenantEnv::new(self.env.clone(), named))
    }

    /// The periodic sweep: held rows released when confirmation is no longer asked for,
    /// today's deadline lists made; `flush` then queues them with any lost rows.
    fn sweep(&self, db: &DurableSql, env: &TenantEnv) -> std::result::Result<usize, StoreError> {
        let config = comune::config(env);
        if !config.confirms_addresses() {
            store::outbox::release_all_held(db)?;
        }
        store::subscriptions::end_unconfirmed(db, now())?;
        store::outbox::schedule_digests(db, config, now())
    }
}

fn internal(error: StoreError) -> Result<Response> {
    worker::console_error!("ticket store: {error}");
    Response::error("store error", 500)
}

/// The Durable Object's SQLite, seen through the core's `SqlDatabase`.
struct DurableSql {
    sql: SqlStorage,
    storage: worker::Storage,
}

fn bind(params: &[SqlValue]) -> Vec<SqlStorageValue> {
    params
        .iter()
        .map(|value| match value {
            SqlValue::Null => SqlStorageValue::Null,
            SqlValue::Integer(i) => SqlStorageValue::Integer(*i),
            SqlValue::Real(f) => SqlStorageValue::Float(*f),
            SqlValue::Text(t) => SqlStorageValue::String(t.clone()),
        })
        .collect()
}

fn database_error(error: worker::Error) -> StoreError {
    StoreError::Database(error.to_string())
}

impl SqlDatabase for DurableSql {
    fn execute(&self, sql: &str, params: &[SqlValue]) -> std::result::Result<(), StoreError> {
        let cursor = self.sql.exec(sql, bind(params)).map_err(database_error)?;
        // Drain the cursor so the statement has fully run before the next one.
        cursor.raw().for_each(drop);
        Ok(())
    }

    fn query<T: DeserializeOwned>(
        &self,
        sql: &str,
        params: &[SqlValue],
    ) -> std::result::Result<Vec<T>, StoreError> {
        self.sql
            .exec(sql, bind(params))
            .and_then(|cursor| cursor.to_array::<T>())
            .map_err(database_error)
    }

    /// `storage.transactionSync`: commits when the callback returns, rolls back when it throws.
    fn transaction<R>(
        &self,
        work: impl FnOnce(&Self) -> std::result::Result<R, StoreError>,
    ) -> std::result::Result<R, StoreError> {
        let mut work = Some(work);
        let mut outcome = None;
        let mut body = || -> std::result::Result<JsValue, JsValue> {
            let work = work
                .take()
                .ok_or_else(|| JsValue::from_str("transaction body ran twice"))?;
            let result = work(self);
            let failed = result.is_err();
            outcome = Some(result);
            if failed {
                Err(js_sys::Error::new("transaction rolled back").into())
            } else {
                Ok(JsValue::UNDEFINED)
            }
        };
        let call = {
            let callback =
                ScopedClosure::<dyn FnMut() -> std::result::Result<JsValue, JsValue>>::borrow_mut(
                    &mut body,
                );
            let storage: &JsValue = self.storage.as_raw().as_ref();
            js_sys::Reflect::get(storage, &JsValue::from_str("transactionSync"))
                .and_then(|f| f.dyn_into::<js_sys::Function>())
                .and_then(|transaction_sync| transaction_sync.call1(storage, callback.as_ref()))
        };
        match (outcome, call) {
            (Some(result), _) => result,
            (None, Err(error)) => Err(StoreError::Database(format!(
                "transactionSync failed: {error:?}"
            ))),
            (None, Ok(_)) => Err(StoreError::Database(
                "transactionSync did not run its callback".into(),
            )),
        }
    }
}
