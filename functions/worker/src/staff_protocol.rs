//! The internal protocol between the Worker and the comune's store for staff requests:
//! one JSON call per request, naming the session's identity and the operation.

use segnala_core::api_keys::ValidNewApiKey;
use segnala_core::field_error::FieldError;
use segnala_core::ids::TicketId;
use segnala_core::public_number::PublicNumber;
use segnala_core::staff::account::StaffChange;
use segnala_core::staff::{Role, StaffId};
use segnala_core::store::staff::Identity;
use segnala_core::store::PhotoRecord;
use segnala_core::transfer::ImportedTicket;
use segnala_core::workflow::Command;
use serde::{Deserialize, Serialize};

/// A validated account as the store keeps it; the Worker has already hashed the password.
#[derive(Debug, Serialize, Deserialize)]
pub struct NewAccount {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub office: Option<String>,
    pub password_hash: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct BulkItem {
    pub number: PublicNumber,
    pub version: u32,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum StaffOp {
    Setup {
        account: NewAccount,
    },
    LoginStart {
        email: String,
        address: String,
    },
    LoginSucceeded {
        user_id: StaffId,
        email: String,
        address: String,
    },
    /// A sign-in vouched for by Cloudflare Access (the Worker verified its token).
    AccessLogin {
        email: String,
    },
    Me,
    Inbox {
        query: Vec<(String, String)>,
    },
    Export {
        query: Vec<(String, String)>,
    },
    MapPoints {
        query: Vec<(String, String)>,
    },
    Ticket {
        number: PublicNumber,
    },
    Photo {
        number: PublicNumber,
        position: u8,
    },
    Act {
        number: PublicNumber,
        version: u32,
        command: Command,
    },
    /// Puts a failed e-mail about the ticket back on the outbox queue.
    ResendEmail {
        number: PublicNumber,
        delivery: i64,
    },
    Bulk {
        items: Vec<BulkItem>,
        command: Command,
    },
    Colleagues,
    Users,
    CreateUser {
        account: NewAccount,
    },
    ChangeUser {
        id: StaffId,
        change: StaffChange,
        password_hash: Option<String>,
    },
    Audit {
        before: Option<i64>,
    },
    ApiKeys,
    /// A key the Worker made: its hash and shown part only, never the key.
    CreateApiKey {
        key: ValidNewApiKey,
        key_hash: String,
        key_prefix: String,
    },
    RevokeApiKey {
        id: String,
    },
    /// The configuration in force, as written, and every saved version.
    Configuration,
    ConfigurationVersion {
        version: u32,
    },
    PreviewConfiguration {
        json: String,
    },
    SaveConfiguration {
        json: String,
        note: String,
        based_on: u32,
    },
    RestoreConfiguration {
        version: u32,
        note: String,
        based_on: u32,
    },
    /// A page of the export; the first page is audited.
    ExportTickets {
        after: Option<PublicNumber>,
        limit: u32,
    },
    /// A batch the Worker parsed and checked (`transfer::parse_lines`).
    ImportTickets {
        batch: Vec<ImportedTicket>,
    },
    /// An imported ticket's photo, cleaned: whether its position is free (`write` false),
    /// or, once the Worker stored it in R2 under `photo.object_key`, recording it.
    ImportPhoto {
        id: TicketId,
        photo: PhotoRecord,
        write: bool,
    },
}

impl StaffOp {
    /// Operations whose writes may leave e-mail owed (ticket steps, a resend).
    pub fn may_owe_email(&self) -> bool {
        matches!(
            self,
            StaffOp::Act { .. } | StaffOp::Bulk { .. } | StaffOp::ResendEmail { .. }
        )
    }
}

/// A saved configuration version, for the Worker to publish to KV.
#[derive(Debug, Serialize, Deserialize)]
pub struct SavedConfiguration {
    pub version: u32,
    pub changes: Vec<String>,
    pub json: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct StaffCall {
    pub identity: Option<Identity>,
    pub op: StaffOp,
}

/// A refusal from the store, in terms the Worker turns into an HTTP answer.
#[derive(Debug, Serialize, Deserialize)]
pub struct StaffRefusal {
    /// session_ended | forbidden | not_found | invalid | conflict | stale | refused
    pub kind: String,
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub fields: Vec<WireFieldError>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct WireFieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl From<&FieldError> for WireFieldError {
    fn from(error: &FieldError) -> Self {
        Self {
            field: error.field.clone(),
            code: error.code.to_string(),
            message: error.message.clone(),
        }
    }
}

/// Status of a refusal on the internal protocol; 500 stays for store failures.
pub const REFUSED: u16 = 400;
