//! Staff of the comune: accounts and roles, what each role may do, passwords, sessions and
//! the throttling of failed logins. The Worker hashes passwords (WebCrypto) and keeps
//! sessions (KV); the rules they follow are here, where they are tested natively.

pub mod access;
pub mod account;
pub mod csv;
pub mod inbox;
pub mod pages;
pub mod password;
pub mod routes;
pub mod session;
pub mod sso;
pub mod throttle;
pub mod views;

pub use access::{Permission, Scope};
pub use account::{NewStaffUser, Role, StaffChange, StaffId, StaffUser};
