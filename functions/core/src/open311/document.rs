//! One document model written out as GeoReport v2 JSON or XML, so that both forms always
//! carry the same fields, in the same order, under the same names. Lists are top-level
//! arrays in JSON and a root element of repeated items in XML (`<services><service>`).

use std::fmt::Write;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Integer(i64),
    Number(f64),
    Bool(bool),
    /// Named fields in order; a field left out is simply not in the list.
    Record(Vec<(&'static str, Value)>),
    /// Items, each written in XML as an element of this name.
    List(&'static str, Vec<Value>),
}

impl Value {
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text(text.into())
    }
}

/// A whole answer: in XML the root element is `root`.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub root: &'static str,
    pub body: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    /// The format named by a path's extension (`services.xml`), with the name before it.
    pub fn split(name: &str) -> Option<(&str, Format)> {
        if let Some(stem) = name.strip_suffix(".json") {
            Some((stem, Format::Json))
        } else {
            name.strip_suffix(".xml").map(|stem| (stem, Format::Xml))
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=utf-8",
            Format::Xml => "text/xml; charset=utf-8",
        }
    }
}

impl Document {
    pub fn render(&self, format: Format) -> String {
        let mut out = String::new();
        match format {
            Format::Json => json(&mut out, &self.body),
            Format::Xml => {
                out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
                element(&mut out, self.root, &self.body);
            }
        }
        out
    }
}

fn json(out: &mut String, value: &Value) {
    match value {
        Value::Text(text) => {
            out.push_str(&serde_json::to_string(text).expect("strings serialise"));
        }
        Value::Integer(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Number(n) => out.push_str(&number(*n)),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Record(fields) => {
            out.push('{');
            for (index, (name, value)) in fields.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                let _ = write!(out, "\"{name}\":");
                json(out, value);
            }
            out.push('}');
        }
        Value::List(_, items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                json(out, item);
            }
            out.push(']');
        }
    }
}

/// The shortest text that reads back as the same number; never NaN or infinity (JSON has
/// neither), which the callers never pass.
fn number(n: f64) -> String {
    if n.is_finite() {
        format!("{n}")
    } else {
        "0".into()
    }
}

fn element(out: &mut String, name: &str, value: &Value) {
    let _ = write!(out, "<{name}>");
    match value {
        Value::Text(text) => escape(out, text),
        Value::Integer(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Number(n) => out.push_str(&number(*n)),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Record(fields) => {
            for (field, value) in fields {
                element(out, field, value);
            }
        }
        Value::List(item, items) => {
            for value in items {
                element(out, item, value);
            }
        }
    }
    let _ = write!(out, "</{name}>");
}

/// Escapes markup and leaves out the characters XML 1.0 cannot carry at all.
fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}
