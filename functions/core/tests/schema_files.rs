//! The published JSON Schemas in `schema/` are well-formed: no object repeats a key (a JSON
//! parser silently keeps the last one, so a stale duplicate overrides the rule the code
//! enforces) and every file compiles as a schema.

use serde::de::{Deserialize, Deserializer, Error, MapAccess, SeqAccess, Visitor};
use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

/// A JSON value read only to check it: fails on the first repeated key, naming it.
struct WithoutDuplicateKeys;

impl<'de> Deserialize<'de> for WithoutDuplicateKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(WithoutDuplicateKeys)
    }
}

impl<'de> Visitor<'de> for WithoutDuplicateKeys {
    type Value = WithoutDuplicateKeys;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(self)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(self)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(self)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(self)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(self)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Self::Value, A::Error> {
        while items.next_element::<WithoutDuplicateKeys>()?.is_some() {}
        Ok(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut entries: A) -> Result<Self::Value, A::Error> {
        let mut keys = HashSet::new();
        while let Some(key) = entries.next_key::<String>()? {
            if !keys.insert(key.clone()) {
                return Err(A::Error::custom(format!("key \"{key}\" appears twice")));
            }
            entries.next_value::<WithoutDuplicateKeys>()?;
        }
        Ok(self)
    }
}

fn duplicate_key_error(text: &str) -> Option<String> {
    serde_json::from_str::<WithoutDuplicateKeys>(text)
        .err()
        .map(|e| e.to_string())
}

fn schema_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            schema_files(&path, found);
        } else if path.to_string_lossy().ends_with(".schema.json") {
            found.push(path);
        }
    }
}

fn all_schema_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema");
    let mut found = Vec::new();
    schema_files(&root, &mut found);
    found.sort();
    found
}

#[test]
fn finds_a_repeated_key_at_any_depth() {
    let error = duplicate_key_error(r#"{"$defs":{"id":{"type":"string"},"id":{}}}"#);
    assert!(error.unwrap().contains("\"id\" appears twice"));
    assert_eq!(duplicate_key_error(r#"[{"a":1},{"a":2}]"#), None);
}

#[test]
fn no_published_schema_repeats_a_key_in_one_object() {
    let files = all_schema_files();
    assert!(files.len() >= 10, "schema files found: {files:?}");
    let problems: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            duplicate_key_error(&text).map(|e| format!("{}: {e}", path.display()))
        })
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_published_schema_compiles() {
    for path in all_schema_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
        if let Err(e) = jsonschema::validator_for(&schema) {
            panic!("{} does not compile: {e}", path.display());
        }
    }
}
