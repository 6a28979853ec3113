//! Validation errors that name the offending field, shared by every parser of outside input.

use serde::Serialize;
use std::fmt;

/// One problem with one field of an input, e.g. `location` / `outside_boundary`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Path of the field in the input, in the dotted form `offices[2].referent.email`.
    pub field: String,
    /// Stable machine-readable reason, for clients that translate messages.
    pub code: &'static str,
    /// Human-readable explanation in English.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.field, self.message, self.code)
    }
}

/// All the problems found in one input; never empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(transparent)]
pub struct FieldErrors(pub Vec<FieldError>);

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl FieldErrors {
    pub fn fields(&self) -> Vec<&str> {
        self.0.iter().map(|e| e.field.as_str()).collect()
    }
}

/// Collects errors while a validator walks an input, so that all problems are reported at once.
#[derive(Debug, Default)]
pub struct ErrorCollector {
    errors: Vec<FieldError>,
}

impl ErrorCollector {
    pub fn push(
        &mut self,
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) {
        self.errors.push(FieldError::new(field, code, message));
    }

    pub fn has_field(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }

    /// The collected errors; callers use it only once they know some were collected.
    pub fn into_errors(self) -> FieldErrors {
        FieldErrors(self.errors)
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// `Ok(value)` when nothing was collected, all the collected errors otherwise.
    pub fn finish<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(FieldErrors(self.errors))
        }
    }
}

/// Turns a serde path (`offices.2.referent.email`) into the dotted-and-indexed form.
pub fn display_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Enum { variant } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(variant);
            }
            Segment::Unknown => {}
        }
    }
    out
}

/// Parses JSON into `T`, turning a syntax or shape error into a `FieldError` naming the field.
pub fn parse_json<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, FieldErrors> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
    let value = parsed.map_err(|error| {
        let field = display_path(error.path());
        let inner = error.into_inner();
        let (field, code) = if inner.is_syntax() || inner.is_eof() {
            (String::new(), "malformed_json")
        } else {
            (field, "invalid")
        };
        FieldErrors(vec![FieldError::new(
            field,
            code,
            clean_serde_message(&inner),
        )])
    })?;
    deserializer.end().map_err(|error| {
        FieldErrors(vec![FieldError::new(
            "",
            "malformed_json",
            clean_serde_message(&error),
        )])
    })?;
    Ok(value)
}

/// serde_json appends " at line X column Y" which is noise once the field is named.
fn clean_serde_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(index) if error.is_data() => text[..index].to_string(),
        _ => text,
    }
}
