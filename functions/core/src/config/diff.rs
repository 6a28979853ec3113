//! Which parts of a configuration a change touches, as dotted paths
//! (`offices[2].name`), so administrators see what they are about to save and the audit
//! log records what changed.

use serde_json::Value;

/// At most this many paths are listed; a larger change is summarised by its parents.
pub const MAX_PATHS: usize = 100;

/// Paths whose values differ between `old` and `new` (object keys in sorted order).
pub fn changed_paths(old: &Value, new: &Value) -> Vec<String> {
    let mut paths = Vec::new();
    walk(old, new, String::new(), &mut paths);
    paths.truncate(MAX_PATHS);
    paths
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn walk(old: &Value, new: &Value, path: String, out: &mut Vec<String>) {
    if out.len() >= MAX_PATHS || old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                walk(
                    value,
                    b.get(key).unwrap_or(&Value::Null),
                    join(&path, key),
                    out,
                );
            }
            for (key, value) in b.iter().filter(|(key, _)| !a.contains_key(*key)) {
                walk(&Value::Null, value, join(&path, key), out);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for index in 0..a.len().max(b.len()) {
                walk(
                    a.get(index).unwrap_or(&Value::Null),
                    b.get(index).unwrap_or(&Value::Null),
                    format!("{path}[{index}]"),
                    out,
                );
            }
        }
        _ => out.push(if path.is_empty() {
            "(all)".into()
        } else {
            path
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_each_changed_leaf_with_its_path() {
        let old = json!({ "name": "A", "offices": [{ "id": "urp", "name": "URP" }, { "id": "x", "name": "X" }] });
        let new = json!({ "name": "A", "offices": [{ "id": "urp", "name": "Ufficio relazioni" }, { "id": "x", "name": "X" }] });
        assert_eq!(changed_paths(&old, &new), ["offices[0].name"]);
    }

    #[test]
    fn added_and_removed_entries_are_listed() {
        let old = json!({ "zones": [], "a": 1 });
        let new = json!({ "zones": [{ "id": "centro" }], "b": 2 });
        let mut paths = changed_paths(&old, &new);
        paths.sort();
        assert_eq!(paths, ["a", "b", "zones[0]"]);
    }

    #[test]
    fn identical_documents_have_no_changes() {
        let doc = json!({ "themes": [{ "id": "strade" }] });
        assert!(changed_paths(&doc, &doc).is_empty());
    }

    #[test]
    fn very_large_changes_are_cut_short() {
        let old = json!((0..500).collect::<Vec<_>>());
        let new = json!((1..501).collect::<Vec<_>>());
        assert_eq!(changed_paths(&old, &new).len(), MAX_PATHS);
    }
}
