//! The environment of a build state, with the ordering of the Go client's `llb.EnvList`: lookups
//! by exact key, and `to_array` lists each key once, at the position of its *latest* assignment
//! (re-setting a key moves it to the end). That order is what lands in `ExecOp.meta.env`, so it
//! is part of every RUN's digest.
//!
//! The Go list is a persistent linked list whose every lookup rebuilds a map of the whole chain
//! (quadratic over a long stage). Here a stage owns one list it mutates in place: assignment is
//! O(1) amortised (a tombstone plus a push), and forking a stage (`FROM <stage>`) clones once.

use std::collections::HashMap;

#[derive(Debug, Clone, Default)]
pub(crate) struct EnvList {
    /// Assignments in order; `None` marks one superseded by a later assignment of its key.
    slots: Vec<Option<(String, String)>>,
    /// Key -> index of its live slot.
    index: HashMap<String, usize>,
}

impl EnvList {
    pub fn new() -> EnvList {
        EnvList::default()
    }

    /// `EnvList.AddOrReplace`: set K, moving it to the end of the order.
    pub(crate) fn add_or_replace(&mut self, key: &str, value: &str) {
        if let Some(old) = self.index.get(key).copied() {
            self.slots[old] = None;
        }
        self.index.insert(key.to_string(), self.slots.len());
        self.slots.push(Some((key.to_string(), value.to_string())));
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
        self.slots[i].as_ref().map(|(_, v)| v.as_str())
    }

    /// Keys and values in `EnvList.Keys` order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.slots
            .iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Keys in `EnvList.Keys` order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.iter().map(|(k, _)| k)
    }

    /// `EnvList.ToArray`: `K=V` strings.
    pub(crate) fn to_array(&self) -> Vec<String> {
        self.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }

    fn compact(&mut self) {
        self.slots.retain(Option::is_some);
        for (i, slot) in self.slots.iter().enumerate() {
            if let Some((k, _)) = slot {
                self.index.insert(k.clone(), i);
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

    #[test]
    fn replacing_moves_key_to_the_end() {
        let mut env = EnvList::new();
        env.add_or_replace("PATH", "/a");
        env.add_or_replace("FOO", "1");
        env.add_or_replace("PATH", "/b");
        assert_eq!(env.to_array(), vec!["FOO=1", "PATH=/b"]);
        assert_eq!(env.get("PATH"), Some("/b"));
        assert_eq!(env.get("path"), None);
    }

    #[test]
    fn set_default_keeps_existing() {
        let mut env = EnvList::new();
        env.add_or_replace("A", "1");
        env.set_default("A", "2");
        env.set_default("B", "3");
        assert_eq!(env.to_array(), vec!["A=1", "B=3"]);
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
