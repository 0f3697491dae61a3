//! The environment of a build state, with the ordering of the Go client's `llb.EnvList`: lookups
//! by exact key, and `to_array` lists each key once, at the position of its *latest* assignment
//! (re-setting a key moves it to the end). That order is what lands in `ExecOp.meta.env`, so it
//! is part of every RUN's digest.
//!
//! The Go list is a persistent linked list whose every lookup rebuilds a map of the whole chain
//! (quadratic over a long stage). Here a stage owns one list it mutates in place: assignment is
//! O(1) amortised (a tombstone plus a push), and forking a stage (`FROM <stage>`) clones once.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub(crate) struct EnvList {
    /// Assignments in order; `None` marks one superseded by a later assignment of its key.
    slots: Vec<Option<Entry>>,
    /// Key -> index of its live slot. The key is the slot's own string, shared.
    index: HashMap<Entry, usize>,
    /// Where the next `K=V` is written before it is shared: one allocation per assignment.
    scratch: String,
}

/// One assignment, kept as the `K=V` string every RUN's env lists, shared: a long stage's RUNs
/// each hold their whole env until the graph is lowered, and a shared string costs a pointer
/// where a copy costs an allocation (a stage of 1,000 ENVs and 1,000 RUNs held a million).
#[derive(Debug, Clone)]
struct Entry {
    kv: Arc<str>,
    key_len: usize,
}

impl Entry {
    fn key(&self) -> &str {
        &self.kv[..self.key_len]
    }

    fn value(&self) -> &str {
        &self.kv[self.key_len + 1..]
    }
}

/// As an index key an entry is its key: hashed and compared as the `str` lookups borrow.
impl Borrow<str> for Entry {
    fn borrow(&self) -> &str {
        self.key()
    }
}

impl Hash for Entry {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Entry) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Entry {}

impl EnvList {
    pub fn new() -> EnvList {
        EnvList::default()
    }

    /// `EnvList.AddOrReplace`: set K, moving it to the end of the order.
    pub(crate) fn add_or_replace(&mut self, key: &str, value: &str) {
        self.scratch.push_str(key);
        self.scratch.push('=');
        self.scratch.push_str(value);
        let entry = Entry {
            kv: Arc::from(self.scratch.as_str()),
            key_len: key.len(),
        };
        // Empty, a clone of the list (a stage forked) copies nothing of it.
        self.scratch.clear();
        // `insert` keeps the old key of an equal one: the key of the new slot replaces it.
        if let Some(old) = self.index.remove(key) {
            self.slots[old] = None;
        }
        self.index.insert(entry.clone(), self.slots.len());
        self.slots.push(Some(entry));
        // Keep dead slots from dominating long stages that re-set the same keys.
        if self.slots.len() > 32 && self.slots.len() > 2 * self.index.len() {
            self.compact();
        }
    }

    /// `EnvList.Delete`: unset K.
    pub(crate) fn delete(&mut self, key: &str) {
        if let Some(old) = self.index.remove(key) {
            self.slots[old] = None;
        }
    }

    /// `EnvList.SetDefault`: set K only when it is unset.
    #[cfg(test)]
    pub(crate) fn set_default(&mut self, key: &str, value: &str) {
        if !self.index.contains_key(key) {
            self.add_or_replace(key, value);
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        let i = *self.index.get(key)?;
        self.slots[i].as_ref().map(Entry::value)
    }

    /// Keys and values in `EnvList.Keys` order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.slots.iter().flatten().map(|e| (e.key(), e.value()))
    }

    /// Keys in `EnvList.Keys` order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.iter().map(|(k, _)| k)
    }

    /// `EnvList.ToArray`: `K=V` strings.
    pub(crate) fn to_array(&self) -> Vec<Arc<str>> {
        self.slots
            .iter()
            .flatten()
            .map(|e| Arc::clone(&e.kv))
            .collect()
    }

    fn compact(&mut self) {
        self.slots.retain(Option::is_some);
        for (i, slot) in self.slots.iter().enumerate() {
            if let Some(e) = slot {
                self.index.insert(e.clone(), i);
            }
        }
    }
}

/// Split `K=V` (a missing `=` gives an empty value), as convert.go `parseKeyValue`.
pub(crate) fn parse_key_value(entry: &str) -> (&str, &str) {
    entry.split_once('=').unwrap_or((entry, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(env: &EnvList) -> Vec<&str> {
        env.slots.iter().flatten().map(|e| &*e.kv).collect()
    }

    #[test]
    fn replacing_moves_key_to_the_end() {
        let mut env = EnvList::new();
        env.add_or_replace("PATH", "/a");
        env.add_or_replace("FOO", "1");
        env.add_or_replace("PATH", "/b");
        assert_eq!(strings(&env), ["FOO=1", "PATH=/b"]);
        assert_eq!(env.get("PATH"), Some("/b"));
        assert_eq!(env.get("path"), None);
    }

    #[test]
    fn set_default_keeps_existing() {
        let mut env = EnvList::new();
        env.add_or_replace("A", "1");
        env.set_default("A", "2");
        env.set_default("B", "3");
        assert_eq!(strings(&env), ["A=1", "B=3"]);
    }

    #[test]
    fn compaction_keeps_order_and_lookups() {
        let mut env = EnvList::new();
        for i in 0..200 {
            env.add_or_replace("X", &i.to_string());
            env.add_or_replace(&format!("K{}", i % 3), "v");
        }
        assert_eq!(env.to_array().len(), 4);
        assert_eq!(env.get("X"), Some("199"));
        let keys: Vec<_> = env.keys().collect();
        assert_eq!(keys, vec!["K2", "K0", "X", "K1"]);
        assert!(env.slots.len() <= 2 * env.to_array().len().max(16) + 2);
    }

    #[test]
    fn parses_key_value() {
        assert_eq!(parse_key_value("A=b=c"), ("A", "b=c"));
        assert_eq!(parse_key_value("A"), ("A", ""));
    }
}
