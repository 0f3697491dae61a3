//! proto/ is a hand-kept subset of the pinned BuildKit release's .proto files: every message,
//! field and enum value we declare must exist upstream under the same name with the same number
//! and type, or our bytes would mean something else to the daemon. Checked against the pin's
//! sources (`scripts/versions.env`) whenever the pin moves.

mod buildkit_module;

use std::collections::BTreeMap;
use std::path::Path;

/// `Message.Nested.field` -> `type = number` (`enum value = number` for enums), from a .proto
/// text: enough of the grammar for BuildKit's files (no groups, options on one line). Maps
/// read as `map = N`: upstream writes `map<K, V>`, we declare some as `repeated XEntry` (the
/// same wire form, so prost gives them an order), and our entry messages are left out.
fn declarations(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut scopes: Vec<Option<String>> = Vec::new();
    for raw in text.lines() {
        let line = raw
            .split("//")
            .next()
            .unwrap_or("")
            .trim()
            .replace(", ", ",");
        let line = line.as_str();
        if line.is_empty() {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if line.ends_with('{') {
            let named = matches!(words[0], "message" | "enum" | "oneof")
                .then(|| words[1].trim_end_matches('{'))
                .filter(|n| !n.ends_with("Entry"));
            // A oneof's fields belong to the enclosing message.
            scopes.push(match (words[0], named) {
                ("oneof", _) => Some(String::new()),
                (_, Some(n)) => Some(n.to_string()),
                // An entry message of ours: its fields are not upstream's.
                _ => None,
            });
            continue;
        }
        if line.starts_with('}') {
            scopes.pop();
            continue;
        }
        let Some((decl, number)) = line.split_once('=') else {
            continue;
        };
        if scopes.is_empty()
            || scopes.iter().any(Option::is_none)
            || matches!(words[0], "option" | "syntax" | "package" | "import")
        {
            continue;
        }
        let number = number
            .split([';', '['])
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        let decl: Vec<&str> = decl
            .split_whitespace()
            .filter(|w| !matches!(*w, "optional" | "repeated"))
            .collect();
        let (kind, name) = match decl.as_slice() {
            [name] => ("enum", *name),
            [kind, name] => (*kind, *name),
            _ => continue,
        };
        let path: Vec<&str> = scopes
            .iter()
            .flatten()
            .map(String::as_str)
            .filter(|s| !s.is_empty())
            .collect();
        let repeated = words[0] == "repeated";
        let decl = if kind.starts_with("map<") || (repeated && kind.ends_with("Entry")) {
            format!("map = {number}")
        } else {
            format!(
                "{}{kind} = {number}",
                if repeated { "repeated " } else { "" }
            )
        };
        out.insert(format!("{}.{name}", path.join(".")), decl);
    }
    out
}

#[test]
fn our_proto_subset_matches_the_pinned_release() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("proto/github.com/moby/buildkit");
    let files = [
        "frontend/gateway/pb/gateway.proto",
        "solver/pb/ops.proto",
        "api/types/worker.proto",
        "util/apicaps/pb/caps.proto",
        "sourcepolicy/pb/policy.proto",
    ];
    let mut failures = Vec::new();
    let mut checked = 0;
    for file in files {
        let ours = declarations(&std::fs::read_to_string(root.join(file)).unwrap());
        let theirs =
            declarations(&std::fs::read_to_string(buildkit_module::dir().join(file)).unwrap());
        for (name, decl) in &ours {
            checked += 1;
            match theirs.get(name) {
                Some(t) if t == decl => {}
                Some(t) => failures.push(format!("{file}: {name}: ours `{decl}`, upstream `{t}`")),
                None => failures.push(format!("{file}: {name} is not upstream")),
            }
        }
    }
    assert!(checked > 250, "only {checked} declarations read");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
