use crate::email::Email;
use crate::geo::{Area, Coordinates};
use serde::{Deserialize, Serialize};

/// Text in Italian, with an optional English translation (Italian is used when missing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalizedText {
    pub it: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

impl LocalizedText {
    pub fn get(&self, language: crate::report::Language) -> &str {
        match language {
            crate::report::Language::En => self.en.as_deref().unwrap_or(&self.it),
            crate::report::Language::It => &self.it,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComuneConfig {
    /// Editors use it to find the schema; ignored by the service.
    #[serde(rename = "$schema", default, skip_serializing)]
    pub schema: Option<String>,
    /// Short stable identifier, e.g. `bergamo`: names the comune's ticket store.
    pub id: String,
    /// Official name, e.g. `Comune di Bergamo`.
    pub name: String,
    /// Code of the administration in the IPA index, used as open-data publisher id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipa_code: Option<String>,
    /// Public web address of this service, used in tracking links.
    pub public_url: String,
    pub contacts: Contacts,
    /// Numbers to call for urgent matters and emergencies, shown on the report form.
    #[serde(default)]
    pub emergency_numbers: Vec<EmergencyNumber>,
    /// The comune's territory; reports outside it are refused.
    pub boundary: Area,
    pub map: MapSettings,
    #[serde(default)]
    pub photos: PhotoLimits,
    pub themes: Vec<Theme>,
    pub offices: Vec<Office>,
    /// Parts of the territory used for routing (districts, historic centre...).
    #[serde(default)]
    pub zones: Vec<Zone>,
    pub routing: Routing,
    /// Local holidays (month-day, e.g. `08-26` for the patron saint) on top of the national
    /// ones, excluded when counting working days against response targets.
    #[serde(default)]
    pub local_holidays: Vec<String>,
    /// How e-mail is sent; without it messages are only logged (development).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<MailSettings>,
    /// What the public open-data endpoints publish, and under which licence.
    #[serde(default)]
    pub open_data: OpenDataSettings,
    /// What citizens can do on their report's page after sending it.
    #[serde(default)]
    pub follow_up: FollowUpSettings,
    /// How the comune's pages look: its own colour on the kit's layout.
    #[serde(default, skip_serializing_if = "Branding::is_default")]
    pub branding: Branding,
    /// Limits against floods of reports and messages, and the optional human check.
    #[serde(default)]
    pub abuse: AbuseSettings,
}

/// How fast reports and follow-ups may come (0 turns a limit off), and Cloudflare
/// Turnstile on the report form when a site key is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbuseSettings {
    /// New reports from one network address in an hour. Mobile networks put many people
    /// behind one address, so keep it generous.
    #[serde(default = "default_reports_per_address_per_hour")]
    pub reports_per_address_per_hour: u16,
    #[serde(default = "default_reports_per_address_per_day")]
    pub reports_per_address_per_day: u16,
    /// New reports signed with one e-mail address in a day.
    #[serde(default = "default_reports_per_email_per_day")]
    pub reports_per_email_per_day: u16,
    /// Messages, ratings and reopenings through one report's tracking link in an hour.
    #[serde(default = "default_actions_per_report_per_hour")]
    pub actions_per_report_per_hour: u16,
    /// Reports one client application (Open311 key) may file in an hour.
    #[serde(default = "default_reports_per_api_key_per_hour")]
    pub reports_per_api_key_per_hour: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turnstile: Option<TurnstileSettings>,
}

fn default_reports_per_address_per_hour() -> u16 {
    20
}
fn default_reports_per_address_per_day() -> u16 {
    100
}
fn default_reports_per_email_per_day() -> u16 {
    20
}
fn default_actions_per_report_per_hour() -> u16 {
    10
}
fn default_reports_per_api_key_per_hour() -> u32 {
    1000
}

impl Default for AbuseSettings {
    fn default() -> Self {
        Self {
            reports_per_address_per_hour: default_reports_per_address_per_hour(),
            reports_per_address_per_day: default_reports_per_address_per_day(),
            reports_per_email_per_day: default_reports_per_email_per_day(),
            actions_per_report_per_hour: default_actions_per_report_per_hour(),
            reports_per_api_key_per_hour: default_reports_per_api_key_per_hour(),
            turnstile: None,
        }
    }
}

/// Cloudflare Turnstile: the widget on the form, its token checked by the Worker with the
/// secret `TURNSTILE_SECRET` before a citizen's report is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TurnstileSettings {
    /// The widget's public site key.
    pub site_key: String,
    /// The widget's script (the Worker variable `TURNSTILE_SCRIPT_URL` overrides it).
    #[serde(default = "default_turnstile_script_url")]
    pub script_url: String,
    /// Where tokens are checked (the Worker variable `TURNSTILE_VERIFY_URL` overrides it).
    #[serde(default = "default_turnstile_verify_url")]
    pub verify_url: String,
}

pub fn default_turnstile_script_url() -> String {
    "https://challenges.cloudflare.com/turnstile/v0/api.js".into()
}

pub fn default_turnstile_verify_url() -> String {
    "https://challenges.cloudflare.com/turnstile/v0/siteverify".into()
}

/// The comune's look. The kit's layout and typography stay; the primary colour (header,
/// buttons, links) becomes the comune's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Branding {
    /// `#rrggbb`; at least 4.5:1 against white, since links and button labels use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_color: Option<String>,
}

impl Branding {
    pub fn is_default(&self) -> bool {
        self.primary_color.is_none()
    }
}

/// What a citizen can do with their report after sending it, from its tracking page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUpSettings {
    /// Days after a resolution during which the citizen can say the problem is not solved,
    /// which reopens the report; 0 turns it off.
    #[serde(default = "default_reopen_days")]
    pub reopen_days: u16,
    /// Messages a citizen can add to one report (information, photos, answers).
    #[serde(default = "default_max_messages")]
    pub max_messages: u16,
    /// Before a new report is sent, open reports of the same topic within this many metres
    /// are offered to follow instead; 0 turns the suggestions off.
    #[serde(default = "default_nearby_metres")]
    pub nearby_metres: u16,
}

fn default_nearby_metres() -> u16 {
    150
}

fn default_reopen_days() -> u16 {
    30
}

fn default_max_messages() -> u16 {
    20
}

impl Default for FollowUpSettings {
    fn default() -> Self {
        Self {
            reopen_days: default_reopen_days(),
            max_messages: default_max_messages(),
            nearby_metres: default_nearby_metres(),
        }
    }
}

/// The comune's open-data policy. Names, e-mail addresses, addresses typed by citizens,
/// internal notes and photos are never published, whatever is set here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenDataSettings {
    /// Licence of the datasets; CC BY 4.0 when missing.
    #[serde(default)]
    pub licence: Licence,
    /// Decimal places kept of each report's coordinates (3 is about 100 m).
    #[serde(default = "default_location_decimals")]
    pub location_decimals: u8,
    /// Whether report descriptions are published; a category can say otherwise.
    #[serde(default)]
    pub publish_descriptions: bool,
    /// Whether report locations (rounded) are published; a category can say otherwise.
    #[serde(default = "publish_by_default")]
    pub publish_locations: bool,
}

fn default_location_decimals() -> u8 {
    3
}

fn publish_by_default() -> bool {
    true
}

impl Default for OpenDataSettings {
    fn default() -> Self {
        Self {
            licence: Licence::default(),
            location_decimals: default_location_decimals(),
            publish_descriptions: false,
            publish_locations: publish_by_default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Licence {
    pub name: String,
    /// The licence's canonical address, used as its identifier in the dataset metadata.
    pub url: String,
}

impl Default for Licence {
    fn default() -> Self {
        Self {
            name: "Creative Commons Attribuzione 4.0 Internazionale (CC BY 4.0)".into(),
            url: "https://creativecommons.org/licenses/by/4.0/".into(),
        }
    }
}

/// The comune's e-mail: which HTTP mail API and which sender. The API key is a Worker
/// secret (`MAIL_API_KEY`), never part of the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    pub provider: MailProvider,
    /// Sender address, on a domain verified with the provider.
    pub from_address: Email,
    /// Sender name; the comune's name when missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_name: Option<String>,
    /// Where replies go; the comune's contact address when missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Email>,
    /// Postmark's message stream; `outbound` when missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_stream: Option<String>,
    /// Citizens confirm their address (a link in the first message) before any other
    /// message is sent to it.
    #[serde(default)]
    pub confirm_addresses: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailProvider {
    Resend,
    Postmark,
    /// Messages are written to the Worker's log only.
    Log,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contacts {
    pub email: Email,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pec: Option<Email>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmergencyNumber {
    pub label: LocalizedText,
    pub number: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapSettings {
    /// XYZ tile URL template with `{z}`, `{x}` and `{y}` (and optionally `{s}`).
    pub tile_url: String,
    /// Attribution required by the tile provider, shown on the map.
    pub attribution: String,
    /// Initial centre of the map.
    pub center: Coordinates,
    pub zoom: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoLimits {
    #[serde(default = "default_max_photos")]
    pub max_count: u8,
    #[serde(default = "default_max_photo_bytes")]
    pub max_bytes: u32,
}

fn default_max_photos() -> u8 {
    3
}

fn default_max_photo_bytes() -> u32 {
    10 * 1024 * 1024
}

impl Default for PhotoLimits {
    fn default() -> Self {
        Self {
            max_count: default_max_photos(),
            max_bytes: default_max_photo_bytes(),
        }
    }
}

/// A macro theme (e.g. Strade e viabilità) grouping sub-categories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    pub id: String,
    pub name: LocalizedText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<LocalizedText>,
    pub categories: Vec<Category>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    pub name: LocalizedText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<LocalizedText>,
    pub targets: ResponseTargets,
    /// Other words people use for it, offered to Open311 clients as `keywords`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// Extra questions a report of this category answers (Open311 attributes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<ExtraField>,
    /// Publish this category's descriptions in open data, over the comune's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_description: Option<bool>,
    /// Publish this category's (rounded) locations in open data, over the comune's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_location: Option<bool>,
}

/// A question a category asks on top of the description, e.g. the number on a lamp post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraField {
    /// Identifier, unique within the category; the answer's key (`answers.{code}`).
    pub code: String,
    /// The question as the form shows it.
    pub label: LocalizedText,
    /// A hint under the question: where to find the information, an example.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<LocalizedText>,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// The possible answers of a `choice` or `choices` field, in the order shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<FieldChoice>,
    /// Smallest accepted answer of a `number` field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest accepted answer of a `number` field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// A `number` field that takes whole numbers only (a count).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub integer: bool,
}

/// What kind of answer a question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    /// One line of text (at most 200 characters).
    Line,
    /// Free text over several lines (at most 2000 characters).
    Text,
    /// A number, decimals allowed.
    Number,
    /// A day.
    Date,
    /// One of the choices.
    Choice,
    /// Any number of the choices.
    Choices,
}

impl FieldKind {
    pub fn has_choices(&self) -> bool {
        matches!(self, Self::Choice | Self::Choices)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldChoice {
    /// Identifier, unique within the question; what the answer stores.
    pub key: String,
    pub label: LocalizedText,
}

impl ExtraField {
    pub fn choice(&self, key: &str) -> Option<&FieldChoice> {
        self.choices.iter().find(|c| c.key == key)
    }
}

/// Service levels promised for a category, in working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseTargets {
    /// Working days within which the office takes the report in charge.
    pub take_in_charge_days: u16,
    /// Working days within which the problem should be resolved, where the comune commits to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_days: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Office {
    pub id: String,
    pub name: LocalizedText,
    /// Shared mailbox of the office, told of new tickets.
    pub email: Email,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub referent: Referent,
}

/// The person responsible for an office's tickets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Referent {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    pub email: Email,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    pub id: String,
    pub name: LocalizedText,
    pub area: Area,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Routing {
    /// Rules tried in order; the first whose conditions all hold routes the ticket.
    pub rules: Vec<RoutingRule>,
    /// Office that receives what no rule matches.
    pub default_office: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingRule {
    pub id: String,
    /// Matches reports of this theme (any of its categories).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    /// Matches reports of one of these categories.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Matches reports whose point lies in this zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    pub office: String,
}
