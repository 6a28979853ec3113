//! The staff API: every request is matched against the core's route table, which declares
//! the access each route needs; the session (KV) and CSRF token are checked here, and the
//! store checks the account again. Nothing reaches a handler without passing the table.

use crate::api_error::{intern_code, ApiError};
use crate::comune;
use crate::photo_storage;
use crate::platform::{now, CryptoEntropy};
use crate::routes::query_pairs;
use crate::staff_protocol::{
    BulkItem, NewAccount, SavedConfiguration, StaffCall, StaffOp, StaffRefusal,
};
use crate::store_client;
use crate::tenant::Env;
use crate::transfer;
use segnala_core::api_keys::{hash_of, ApiKey, ApiKeySecret, IssuedApiKey, NewApiKey};
use segnala_core::field_error::{FieldError, FieldErrors};
use segnala_core::public_number::PublicNumber;
use segnala_core::staff::account::{NewStaffUser, StaffChange};
use segnala_core::staff::password::{check_policy, constant_time_eq, PasswordHash};
use segnala_core::staff::routes::{match_route, Access, Matched, Params, RouteKind, RouteName};
use segnala_core::staff::session::{self, Session, SessionToken};
use segnala_core::staff::views::SessionView;
use segnala_core::staff::{Role, StaffId, StaffUser};
use segnala_core::store::staff::{Identity, LoginStart};
use segnala_core::store::PhotoRecord;
use segnala_core::workflow::Command;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use worker::{Request, Response};

type Result<T> = std::result::Result<T, ApiError>;

const MAX_BODY: usize = 64 * 1024;
const MAX_BULK: usize = 100;
/// A guessable setup token would hand over the whole comune.
const MIN_SETUP_TOKEN: usize = 24;

pub async fn handle(mut request: Request, env: &Env, path: &str) -> Result<Response> {
    let method = request.method().to_string();
    let (route, params) = match match_route(&method, path) {
        Matched::Route(route, params) if route.kind == RouteKind::Api => (route, params),
        Matched::WrongMethod => return Err(ApiError::MethodNotAllowed),
        _ => return Err(ApiError::NotFound("API endpoint")),
    };
    if method != "GET" {
        same_origin(&request, env)?;
    }
    let Access::Staff(permission) = route.access else {
        return match route.name {
            RouteName::Setup => setup(&mut request, env).await,
            _ => login(&mut request, env).await,
        };
    };
    let (token, session) = current_session(&request, env).await?;
    if !session.role.allows(permission) {
        return Err(ApiError::Forbidden(
            "forbidden",
            "Your role does not allow this.".into(),
        ));
    }
    if route.needs_csrf()
        && !session.csrf_matches(request.headers().get("X-CSRF-Token")?.as_deref())
    {
        return Err(ApiError::Forbidden(
            "csrf_failed",
            "The request lacks the session's X-CSRF-Token; reload the page and try again.".into(),
        ));
    }
    let staff = Staff {
        env,
        token,
        identity: Identity {
            user_id: session.user_id.clone(),
            generation: session.generation,
        },
    };
    match route.name {
        RouteName::CurrentSession => {
            let user: StaffUser = staff.call(StaffOp::Me).await?;
            let config = comune::config(env);
            json(&SessionView::of(
                &user,
                &session.csrf_token,
                session.expires_at,
                config,
            ))
        }
        RouteName::Logout => {
            kv(env)?
                .delete(&staff.token.storage_key())
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            let mut response = Response::empty()?.with_status(204);
            response
                .headers_mut()
                .set("Set-Cookie", &session::clear_cookie())?;
            Ok(response)
        }
        RouteName::ListTickets => {
            let query = query_pairs(&request.url()?);
            json(
                &staff
                    .call::<serde_json::Value>(StaffOp::Inbox { query })
                    .await?,
            )
        }
        RouteName::ExportTickets => {
            let query = query_pairs(&request.url()?);
            let csv: String = staff.call(StaffOp::Export { query }).await?;
            let mut response = Response::ok(csv)?;
            let headers = response.headers_mut();
            headers.set("Content-Type", "text/csv; charset=utf-8")?;
            headers.set(
                "Content-Disposition",
                &format!(
                    "attachment; filename=\"segnalazioni-{}.csv\"",
                    now().format("%Y-%m-%d")
                ),
            )?;
            Ok(response)
        }
        RouteName::MapTickets => {
            let mut query = query_pairs(&request.url()?);
            // The map shows every filtered ticket, not one page of them.
            query.retain(|(key, _)| key != "page" && key != "per_page");
            let features: serde_json::Value = staff.call(StaffOp::MapPoints { query }).await?;
            let mut response = json(&features)?;
            response
                .headers_mut()
                .set("Content-Type", "application/geo+json")?;
            Ok(response)
        }
        RouteName::ShowTicket => {
            let number = ticket_number(&params)?;
            json(
                &staff
                    .call::<serde_json::Value>(StaffOp::Ticket { number })
                    .await?,
            )
        }
        RouteName::ResendEmail => {
            let number = ticket_number(&params)?;
            let delivery: i64 = params
                .get(1)
                .parse()
                .map_err(|_| ApiError::NotFound("E-mail"))?;
            let deliveries: serde_json::Value = staff
                .call(StaffOp::ResendEmail { number, delivery })
                .await?;
            json(&serde_json::json!({ "emails": deliveries }))
        }
        RouteName::ActOnTicket => {
            let number = ticket_number(&params)?;
            let body: ActionBody = read_json(&mut request).await?;
            let view: serde_json::Value = staff
                .call(StaffOp::Act {
                    number,
                    version: body.version,
                    command: body.command,
                })
                .await?;
            json(&view)
        }
        RouteName::BulkAct => {
            let body: BulkBody = read_json(&mut request).await?;
            if body.tickets.is_empty() || body.tickets.len() > MAX_BULK {
                return Err(field(
                    "tickets",
                    "out_of_range",
                    "select from 1 to 100 tickets",
                ));
            }
            let result: serde_json::Value = staff
                .call(StaffOp::Bulk {
                    items: body.tickets,
                    command: body.command,
                })
                .await?;
            json(&result)
        }
        RouteName::TicketPhoto | RouteName::TicketThumbnail => {
            let number = ticket_number(&params)?;
            let position = params
                .get(1)
                .parse::<u8>()
                .map_err(|_| ApiError::NotFound("Photo"))?;
            let photo: PhotoRecord = staff.call(StaffOp::Photo { number, position }).await?;
            let key = if route.name == RouteName::TicketThumbnail {
                photo.thumbnail_key.as_deref()
            } else {
                Some(photo.object_key.as_str())
            }
            .ok_or(ApiError::NotFound("Photo"))?;
            let bytes = photo_storage::read(env, key)
                .await?
                .ok_or(ApiError::NotFound("Photo"))?;
            let mut response = Response::from_bytes(bytes)?;
            let headers = response.headers_mut();
            headers.set("Content-Type", &photo.content_type)?;
            // Office PCs are shared: nothing of a citizen's stays in the cache after logout.
            headers.set("Cache-Control", "no-store")?;
            headers.set("Content-Security-Policy", "default-src 'none'; sandbox")?;
            Ok(response)
        }
        RouteName::ListColleagues => {
            json(&staff.call::<serde_json::Value>(StaffOp::Colleagues).await?)
        }
        RouteName::ListStaff => json(&staff.call::<serde_json::Value>(StaffOp::Users).await?),
        RouteName::CreateStaff => {
            let input: NewStaffUser = read_json(&mut request).await?;
            let account = hashed_account(&input, env).await?;
            let user: serde_json::Value = staff.call(StaffOp::CreateUser { account }).await?;
            Ok(Response::from_json(&user)?.with_status(201))
        }
        RouteName::ChangeStaff => {
            let id =
                StaffId::parse(params.get(0)).map_err(|_| ApiError::NotFound("Staff account"))?;
            let change: StaffChange = read_json(&mut request).await?;
            let password_hash = match &change.password {
                Some(password) => {
                    check_policy(password, None)
                        .map_err(|p| field("password", p.code(), p.message()))?;
                    Some(hash_password(password).to_string())
                }
                None => None,
            };
            json(
                &staff
                    .call::<serde_json::Value>(StaffOp::ChangeUser {
                        id,
                        change,
                        password_hash,
                    })
                    .await?,
            )
        }
        RouteName::ListApiKeys => json(&staff.call::<serde_json::Value>(StaffOp::ApiKeys).await?),
        RouteName::CreateApiKey => {
            let input: NewApiKey = read_json(&mut request).await?;
            let key = input.validate()?;
            // The key is made here and shown once; the store keeps its hash only.
            let secret = ApiKeySecret::generate(&mut CryptoEntropy);
            let stored: ApiKey = staff
                .call(StaffOp::CreateApiKey {
                    key,
                    key_hash: hash_of(secret.as_str()),
                    key_prefix: secret.shown_part(),
                })
                .await?;
            let issued = IssuedApiKey {
                key: stored,
                secret: secret.as_str().to_string(),
            };
            Ok(Response::from_json(&issued)?.with_status(201))
        }
        RouteName::RevokeApiKey => json(
            &staff
                .call::<serde_json::Value>(StaffOp::RevokeApiKey {
                    id: params.get(0).to_string(),
                })
                .await?,
        ),
        RouteName::AuditLog => {
            let before = query_pairs(&request.url()?)
                .into_iter()
                .find(|(k, _)| k == "before")
                .and_then(|(_, v)| v.parse().ok());
            json(
                &staff
                    .call::<serde_json::Value>(StaffOp::Audit { before })
                    .await?,
            )
        }
        RouteName::ShowConfiguration => {
            let answer: serde_json::Value = staff.call(StaffOp::Configuration).await?;
            // Heals a publication that failed after a save: KV must name the version in force.
            let version = answer["version"].as_u64().unwrap_or(0) as u32;
            if version > 0 {
                let published = comune::published_version(&kv(env)?)
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or(0);
                if published < version {
                    let text = serde_json::to_string_pretty(&answer["config"])
                        .map_err(|e| ApiError::Internal(e.to_string()))?;
                    publish_configuration(env, version, &text).await?;
                }
            }
            json(&answer)
        }
        RouteName::ShowConfigurationVersion => {
            let version = config_version(&params)?;
            json(
                &staff
                    .call::<serde_json::Value>(StaffOp::ConfigurationVersion { version })
                    .await?,
            )
        }
        RouteName::PreviewConfiguration => {
            let body: ConfigurationBody = read_json_limited(&mut request, MAX_CONFIG_BODY).await?;
            let json_text = body.config_text()?;
            json(
                &staff
                    .call::<serde_json::Value>(StaffOp::PreviewConfiguration { json: json_text })
                    .await?,
            )
        }
        RouteName::SaveConfiguration => {
            let body: ConfigurationBody = read_json_limited(&mut request, MAX_CONFIG_BODY).await?;
            let saved: SavedConfiguration = staff
                .call(StaffOp::SaveConfiguration {
                    json: body.config_text()?,
                    note: body.note.unwrap_or_default(),
                    based_on: body.based_on.unwrap_or(0),
                })
                .await?;
            configuration_saved(env, saved).await
        }
        RouteName::RestoreConfiguration => {
            let version = config_version(&params)?;
            let body: RestoreBody = read_json(&mut request).await?;
            let saved: SavedConfiguration = staff
                .call(StaffOp::RestoreConfiguration {
                    version,
                    note: body.note.unwrap_or_default(),
                    based_on: body.based_on.unwrap_or(0),
                })
                .await?;
            configuration_saved(env, saved).await
        }
        RouteName::ExportData => transfer::export(&staff).await,
        RouteName::ImportTickets => transfer::import_tickets(&mut request, &staff).await,
        RouteName::ImportPhoto => transfer::import_photo(&mut request, &staff, &params).await,
        RouteName::Setup
        | RouteName::Login
        | RouteName::DashboardHome
        | RouteName::LoginPage
        | RouteName::SignedOutPage
        | RouteName::InboxPage
        | RouteName::TicketPage
        | RouteName::StaffUsersPage
        | RouteName::AuditLogPage
        | RouteName::ApiKeysPage
        | RouteName::ConfigurationPage => Err(ApiError::NotFound("API endpoint")),
    }
}

/// A whole configuration is larger than other staff requests (boundaries are polygons).
const MAX_CONFIG_BODY: usize = 1024 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigurationBody {
    config: Option<serde_json::Value>,
    note: Option<String>,
    based_on: Option<u32>,
}

impl ConfigurationBody {
    fn config_text(&self) -> Result<String> {
        match &self.config {
            Some(value @ serde_json::Value::Object(_)) => {
                serde_json::to_string_pretty(value).map_err(|e| ApiError::Internal(e.to_string()))
            }
            Some(_) => Err(field("config", "not_an_object", "must be a JSON object")),
            None => Err(field("config", "required", "the configuration is required")),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RestoreBody {
    note: Option<String>,
    based_on: Option<u32>,
}

fn config_version(params: &Params) -> Result<u32> {
    params
        .get(0)
        .parse()
        .map_err(|_| ApiError::NotFound("Configuration version"))
}

/// Makes a saved version known to every isolate (through KV) and in force in this one.
async fn publish_configuration(env: &Env, version: u32, text: &str) -> Result<()> {
    let kv = kv(env)?;
    kv.put(&comune::version_key(version), text)
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .execute()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    kv.put(comune::VERSION_KEY, version.to_string())
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .execute()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    comune::install(env, version, text).map_err(ApiError::Internal)
}

async fn configuration_saved(env: &Env, saved: SavedConfiguration) -> Result<Response> {
    // Saved in the store whatever happens next; opening the configuration page publishes
    // it again if this fails.
    publish_configuration(env, saved.version, &saved.json).await?;
    let mut response = Response::from_json(&serde_json::json!({
        "version": saved.version,
        "changes": saved.changes,
    }))?
    .with_status(201);
    response.headers_mut().set("Cache-Control", "no-store")?;
    Ok(response)
}

// No deny_unknown_fields: serde does not support it together with flatten.
#[derive(Deserialize)]
struct ActionBody {
    version: u32,
    #[serde(flatten)]
    command: Command,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BulkBody {
    tickets: Vec<BulkItem>,
    command: Command,
}

pub(crate) struct Staff<'a> {
    pub env: &'a Env,
    pub token: SessionToken,
    pub identity: Identity,
}

impl Staff<'_> {
    pub(crate) async fn call<T: DeserializeOwned>(&self, op: StaffOp) -> Result<T> {
        let call = StaffCall {
            identity: Some(self.identity.clone()),
            op,
        };
        match store_client::staff(self.env, &call).await? {
            Ok(value) => {
                serde_json::from_value(value).map_err(|e| ApiError::Internal(e.to_string()))
            }
            Err(refusal) => {
                if refusal.kind == "session_ended" {
                    // The account was disabled or changed: this session is over everywhere.
                    if let Ok(kv) = kv(self.env) {
                        let _ = kv.delete(&self.token.storage_key()).await;
                    }
                }
                Err(refused(refusal))
            }
        }
    }
}

fn refused(refusal: StaffRefusal) -> ApiError {
    match refusal.kind.as_str() {
        "session_ended" => ApiError::Unauthorized("session_ended"),
        "forbidden" => ApiError::Forbidden("forbidden", refusal.message),
        "not_found" => ApiError::NotFound("Resource"),
        "invalid" => ApiError::Validation(FieldErrors(
            refusal
                .fields
                .into_iter()
                .map(|f| FieldError::new(f.field, intern_code(f.code), f.message))
                .collect(),
        )),
        _ => ApiError::Conflict(refusal.code, refusal.message),
    }
}

fn field(name: &str, code: &'static str, message: &str) -> ApiError {
    ApiError::Validation(FieldErrors(vec![FieldError::new(name, code, message)]))
}

fn json<T: serde::Serialize>(value: &T) -> Result<Response> {
    let mut response = Response::from_json(value)?;
    response.headers_mut().set("Cache-Control", "no-store")?;
    Ok(response)
}

pub(crate) fn kv(env: &Env) -> Result<crate::tenant::ComuneKv> {
    env.kv().map_err(ApiError::from)
}

fn ticket_number(params: &Params) -> Result<PublicNumber> {
    PublicNumber::parse(params.get(0)).map_err(|_| ApiError::NotFound("Ticket"))
}

async fn read_json<T: DeserializeOwned>(request: &mut Request) -> Result<T> {
    read_json_limited(request, MAX_BODY).await
}

async fn read_json_limited<T: DeserializeOwned>(request: &mut Request, limit: usize) -> Result<T> {
    let content_type = request.headers().get("Content-Type")?.unwrap_or_default();
    if !content_type.starts_with("application/json") {
        return Err(ApiError::UnsupportedMediaType("application/json"));
    }
    let text = crate::body::text(request, limit)
        .await?
        .ok_or_else(|| field("body", "malformed_json", "is not UTF-8"))?;
    segnala_core::field_error::parse_json(&text).map_err(ApiError::Validation)
}

/// A change from another site is refused, on top of SameSite cookies and the CSRF token.
fn same_origin(request: &Request, env: &Env) -> Result<()> {
    if crate::origin::from_this_site(request, env)? {
        Ok(())
    } else {
        Err(cross_origin())
    }
}

fn cross_origin() -> ApiError {
    ApiError::Forbidden(
        "cross_origin",
        "Changes must come from the dashboard's own pages.".into(),
    )
}

pub(crate) async fn current_session(
    request: &Request,
    env: &Env,
) -> Result<(SessionToken, Session)> {
    let cookies = request.headers().get("Cookie")?.unwrap_or_default();
    let token =
        session::token_from_cookies(&cookies).ok_or(ApiError::Unauthorized("not_signed_in"))?;
    let stored: Option<Session> = kv(env)?
        .get(&token.storage_key())
        .json()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    match stored {
        Some(session) if !session.is_expired(now()) => Ok((token, session)),
        _ => Err(ApiError::Unauthorized("not_signed_in")),
    }
}

fn hash_password(password: &str) -> PasswordHash {
    PasswordHash::new(password, &mut CryptoEntropy)
}

async fn hashed_account(input: &NewStaffUser, env: &Env) -> Result<NewAccount> {
    let valid = input
        .validate(comune::config(env))
        .map_err(ApiError::Validation)?;
    let hash = hash_password(&valid.password);
    Ok(NewAccount {
        email: valid.email.as_str().to_string(),
        name: valid.name,
        role: valid.role,
        office: valid.office,
        password_hash: hash.to_string(),
    })
}

async fn public_call<T: DeserializeOwned>(env: &Env, op: StaffOp) -> Result<T> {
    let call = StaffCall { identity: None, op };
    match store_client::staff(env, &call).await? {
        Ok(value) => serde_json::from_value(value).map_err(|e| ApiError::Internal(e.to_string())),
        Err(refusal) => Err(refused(refusal)),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetupBody {
    setup_token: Option<String>,
    #[serde(flatten)]
    account: SetupAccount,
}

#[derive(Deserialize)]
struct SetupAccount {
    email: Option<String>,
    name: Option<String>,
    password: Option<String>,
}

/// The first administrator, created with the one-time `SETUP_TOKEN` secret.
async fn setup(request: &mut Request, env: &Env) -> Result<Response> {
    let Some(expected) = comune::non_empty_var(env, "SETUP_TOKEN") else {
        return Err(ApiError::Forbidden(
            "setup_disabled",
            "Setup is disabled: set the SETUP_TOKEN secret to create the first administrator."
                .into(),
        ));
    };
    if expected.len() < MIN_SETUP_TOKEN {
        return Err(ApiError::Forbidden(
            "setup_disabled",
            "Setup is disabled: SETUP_TOKEN must be at least 24 characters of random text.".into(),
        ));
    }
    let body: SetupBody = read_json(request).await?;
    let sent = body.setup_token.unwrap_or_default();
    if !constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
        return Err(ApiError::Forbidden(
            "wrong_setup_token",
            "The setup token is not the one configured.".into(),
        ));
    }
    let input = NewStaffUser {
        email: body.account.email,
        name: body.account.name,
        role: Some(Role::Administrator.as_str().into()),
        office: None,
        password: body.account.password,
    };
    let account = hashed_account(&input, env).await?;
    let user: StaffUser = public_call(env, StaffOp::Setup { account }).await?;
    Ok(Response::from_json(&user)?.with_status(201))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    email: Option<String>,
    password: Option<String>,
}

/// Signs in: throttled per account and address, constant work whether or not the account
/// exists, then a new session in KV and its cookie.
async fn login(request: &mut Request, env: &Env) -> Result<Response> {
    let body: LoginBody = read_json(request).await?;
    let mut problems = Vec::new();
    let email = body.email.unwrap_or_default();
    let password = body.password.unwrap_or_default();
    if email.trim().is_empty() {
        problems.push(FieldError::new(
            "email",
            "required",
            "the e-mail address is required",
        ));
    }
    if password.is_empty() {
        problems.push(FieldError::new(
            "password",
            "required",
            "the password is required",
        ));
    }
    if email.len() > 254 || password.len() > 1024 {
        problems.push(FieldError::new("password", "too_long", "is too long"));
    }
    if !problems.is_empty() {
        return Err(ApiError::Validation(FieldErrors(problems)));
    }
    let address = crate::submission::client_address(request).unwrap_or_else(|| "unknown".into());
    let start: LoginStart = public_call(
        env,
        StaffOp::LoginStart {
            email: email.clone(),
            address: address.clone(),
        },
    )
    .await?;
    let (user_id, stored) = match start {
        LoginStart::Locked { until } => {
            return Err(ApiError::TooManyAttempts((until - now()).num_seconds()))
        }
        LoginStart::Unknown => (None, None),
        LoginStart::Check {
            user_id,
            password_hash,
        } => (Some(user_id), PasswordHash::parse(&password_hash).ok()),
    };
    // Same work for unknown accounts, so response time does not tell who has one.
    let matched = match &stored {
        Some(hash) => hash.verify(&password),
        None => {
            PasswordHash::verify_nothing(&password);
            false
        }
    };
    let user: Option<StaffUser> = match (matched, user_id) {
        (true, Some(user_id)) => {
            public_call(
                env,
                StaffOp::LoginSucceeded {
                    user_id,
                    email: email.clone(),
                    address: address.clone(),
                },
            )
            .await?
        }
        _ => None,
    };
    // The attempt was counted as a failure when it started; only success undoes that.
    let Some(user) = user else {
        return Err(ApiError::Unauthorized("invalid_credentials"));
    };
    let (cookie, session) = start_session(env, &user).await?;
    let view = SessionView::of(
        &user,
        &session.csrf_token,
        session.expires_at,
        comune::config(env),
    );
    let mut response = Response::from_json(&view)?;
    let headers = response.headers_mut();
    headers.set("Set-Cookie", &cookie)?;
    headers.set("Cache-Control", "no-store")?;
    Ok(response)
}

/// A new session for the account, kept in KV: its `Set-Cookie` value and the session.
pub(crate) async fn start_session(env: &Env, user: &StaffUser) -> Result<(String, Session)> {
    let now = now();
    let token = SessionToken::generate(&mut CryptoEntropy);
    let session = Session::start(
        user.id.clone(),
        user.session_generation,
        user.role,
        user.office.clone(),
        now,
        &mut CryptoEntropy,
    );
    let ttl = session.ttl_seconds(now);
    kv(env)?
        .put(&token.storage_key(), &session)
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .expiration_ttl(ttl)
        .execute()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((session::set_cookie(&token, ttl), session))
}

/// Signs in the account Cloudflare Access vouched for, if single sign-on is configured,
/// the request carries a valid Access token, and an active account has its e-mail.
pub(crate) async fn access_sign_in(request: &Request, env: &Env) -> Result<Option<String>> {
    let Some(email) = crate::sso::verified_email(request, env).await else {
        return Ok(None);
    };
    let user: Option<StaffUser> = public_call(
        env,
        StaffOp::AccessLogin {
            email: email.as_str().to_string(),
        },
    )
    .await?;
    match user {
        Some(user) => Ok(Some(start_session(env, &user).await?.0)),
        None => {
            worker::console_log!("access: no active staff account for the signed-in e-mail");
            Ok(None)
        }
    }
}
