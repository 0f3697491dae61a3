//! The environment of a build state, with the ordering of the Go client's `llb.EnvList`: lookups
//! by exact key, and `to_array` lists each key once, at the position of its *latest* assignment
//! (re-setting a key moves it to the end). That order is what lands in `ExecOp.meta.env`, so it
//! is part of every RUN's digest.
//!
//! The Go list is a persistent linked list whose every lookup rebuilds a map of the whole chain
//! (quadratic over a long stage). Here a stage owns one list it mutates in place: assignment is
//! O(1) amortised (a tombstone plus a push), and forking a stage (`FROM <stage>`) clones once.
//!
//! A RUN keeps its environment as a [`EnvSnapshot`] until it is lowered: the stage's newest
//! assignment and a change count. Copying the `K=V` list into every RUN made a long stage's
//! RUNs hold a quadratic number of pointers (1,000 ENVs and 1,000 RUNs: 8 MB), freed during
//! lowering in pieces too small for the ops allocated after them.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Debug)]
pub(crate) struct EnvList {
    /// Assignments in order; `None` marks one superseded by a later assignment of its key.
    slots: Vec<Option<Arc<Link>>>,
    /// Key -> index of its live slot. The key is the slot's own string, shared.
    index: HashMap<Entry, usize>,
    /// Where the next `K=V` is written before it is shared: one allocation per assignment.
    scratch: String,
    /// The newest link of the chain snapshots walk, when `chained`.
    head: Option<Arc<Link>>,
    /// Changes so far: the clock of `Link::superseded_at`.
    changes: u64,
    /// Whether the live slots' links form the chain from `head`. Compaction leaves dead links
    /// in the chain: the chain is then rebuilt from the live slots when the next snapshot is
    /// taken.
    chained: bool,
    /// The owner of the links this list may mark superseded. A clone shares every link so far
    /// with the original, so both take a new id: a fork (`FROM <stage>`) copies no link, and
    /// neither list can change what the other's snapshots read. A link of another owner is
    /// superseded by appending an unset link instead.
    id: AtomicU64,
    /// Unset links in the chain. Each makes walking a snapshot look out for its target, so past
    /// a few the chain is rebuilt instead.
    unsets: usize,
    /// Bytes of the `K=V` strings of the live slots, and of the superseded links still in the
    /// chain. Dead strings stay alive for the snapshots that walk past them (a stage that
    /// extends PATH in every ENV keeps each longer copy): once they outweigh the live ones the
    /// chain is rebuilt, and they go with the last snapshot taken before.
    live_bytes: usize,
    dead_bytes: usize,
}

/// More unset links than this in a chain and it is rebuilt with links of its own list.
const MAX_UNSETS: usize = 16;

/// Where list ids come from; they are only ever compared, so the output does not depend on them.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

fn fresh_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

impl Default for EnvList {
    fn default() -> EnvList {
        EnvList {
            slots: Vec::new(),
            index: HashMap::new(),
            scratch: String::new(),
            head: None,
            changes: 0,
            chained: true,
            id: AtomicU64::new(fresh_id()),
            unsets: 0,
            live_bytes: 0,
            dead_bytes: 0,
        }
    }
}

impl Clone for EnvList {
    fn clone(&self) -> EnvList {
        self.id.store(fresh_id(), Ordering::Relaxed);
        EnvList {
            slots: self.slots.clone(),
            index: self.index.clone(),
            scratch: String::new(),
            head: self.head.clone(),
            changes: self.changes,
            chained: self.chained,
            id: AtomicU64::new(fresh_id()),
            unsets: self.unsets,
            live_bytes: self.live_bytes,
            dead_bytes: self.dead_bytes,
        }
    }
}

/// One assignment, kept as the `K=V` string every RUN's env lists, shared: a string in many
/// environments costs a pointer in each where a copy costs an allocation.
#[derive(Debug, Clone)]
struct Entry {
    kv: Arc<str>,
    key_len: usize,
}

/// An assignment in the chain of its list. Links are only ever appended, and each records when
/// it was superseded, so every earlier state of the list stays readable from its newest link.
#[derive(Debug)]
struct Link {
    entry: Entry,
    /// The id of the list that may set `superseded_at`.
    owner: u64,
    /// The change that superseded this assignment, `u64::MAX` while it is live. Set once, by
    /// the owner.
    superseded_at: AtomicU64,
    /// When set, this link assigns nothing: it supersedes that earlier link of the chain, one
    /// its owner can no longer mark (`entry` is then the target's).
    unsets: Option<Arc<Link>>,
    prev: Option<Arc<Link>>,
}

/// Unlinks iteratively: a stage of 100,000 ENVs would otherwise drop its chain recursively.
impl Drop for Link {
    fn drop(&mut self) {
        let mut prev = self.prev.take();
        while let Some(link) = prev {
            match Arc::try_unwrap(link) {
                Ok(mut link) => prev = link.prev.take(),
                Err(_) => break,
            }
        }
    }
}

/// The environment of a list at one moment, readable after the list has changed or is gone.
#[derive(Debug, Clone)]
pub struct EnvSnapshot {
    head: Option<Arc<Link>>,
    at: u64,
}

impl EnvSnapshot {
    /// `EnvList.ToArray` of the list when the snapshot was taken.
    pub(crate) fn to_array(&self) -> Vec<Arc<str>> {
        let mut out = Vec::new();
        // Targets of unset links met so far, not yet reached: at most `MAX_UNSETS` per list the
        // chain went through, and in practice one (a stage re-setting an inherited PATH).
        let mut unset: Vec<*const Link> = Vec::new();
        let mut link = self.head.as_deref();
        while let Some(l) = link {
            if let Some(target) = &l.unsets {
                unset.push(Arc::as_ptr(target));
            } else if l.superseded_at.load(Ordering::Relaxed) > self.at {
                match unset.iter().position(|&t| std::ptr::eq(t, l)) {
                    Some(i) => {
                        unset.swap_remove(i);
                    }
                    None => out.push(Arc::clone(&l.entry.kv)),
                }
            }
            link = l.prev.as_deref();
        }
        out.reverse();
        out
    }
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
        self.changes += 1;
        // `insert` keeps the old key of an equal one: the key of the new slot replaces it.
        if let Some(old) = self.index.remove(key) {
            self.supersede(old);
        }
        self.live_bytes += entry.kv.len();
        self.index.insert(entry.clone(), self.slots.len());
        let prev = if self.chained { self.head.take() } else { None };
        let link = Arc::new(Link {
            entry,
            owner: *self.id.get_mut(),
            superseded_at: AtomicU64::new(u64::MAX),
            unsets: None,
            prev,
        });
        if self.chained {
            self.head = Some(Arc::clone(&link));
        }
        self.slots.push(Some(link));
        self.compact_if_sparse();
    }

    /// `EnvList.Delete`: unset K.
    pub(crate) fn delete(&mut self, key: &str) {
        if let Some(old) = self.index.remove(key) {
            self.changes += 1;
            self.supersede(old);
            self.compact_if_sparse();
        }
    }

    fn supersede(&mut self, slot: usize) {
        let Some(link) = self.slots[slot].take() else {
            return;
        };
        self.live_bytes -= link.entry.kv.len();
        self.dead_bytes += link.entry.kv.len();
        if self.dead_bytes > self.live_bytes.max(4096) {
            self.chained = false;
        }
        if !self.chained {
            // The next snapshot rebuilds the chain from the live slots.
        } else if link.owner == *self.id.get_mut() {
            link.superseded_at.store(self.changes, Ordering::Relaxed);
        } else if self.unsets < MAX_UNSETS {
            self.unsets += 1;
            self.head = Some(Arc::new(Link {
                entry: link.entry.clone(),
                owner: *self.id.get_mut(),
                superseded_at: AtomicU64::new(u64::MAX),
                unsets: Some(link),
                prev: self.head.take(),
            }));
        } else {
            self.chained = false;
        }
    }

    /// The environment as it is now, for a RUN to read when it is lowered.
    pub(crate) fn snapshot(&mut self) -> EnvSnapshot {
        if !self.chained {
            self.rebuild_chain();
        }
        EnvSnapshot {
            head: self.head.clone(),
            at: self.changes,
        }
    }

    /// Fresh links for the live slots, in order: the chain then holds no dead assignment and
    /// every live one is this list's own. Snapshots taken before keep the old links.
    fn rebuild_chain(&mut self) {
        let mut head = None;
        let owner = *self.id.get_mut();
        for slot in self.slots.iter_mut().flatten() {
            let link = Arc::new(Link {
                entry: slot.entry.clone(),
                owner,
                superseded_at: AtomicU64::new(u64::MAX),
                unsets: None,
                prev: head.take(),
            });
            head = Some(Arc::clone(&link));
            *slot = link;
        }
        self.head = head;
        self.chained = true;
        self.unsets = 0;
        self.dead_bytes = 0;
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
        self.slots[i].as_ref().map(|l| l.entry.value())
    }

    /// Keys and values in `EnvList.Keys` order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.slots
            .iter()
            .flatten()
            .map(|l| (l.entry.key(), l.entry.value()))
    }

    /// Keys in `EnvList.Keys` order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.iter().map(|(k, _)| k)
    }

    /// Whether `to_array` would give exactly `entries`.
    pub(crate) fn lists(&self, entries: &[String]) -> bool {
        self.index.len() == entries.len()
            && self
                .slots
                .iter()
                .flatten()
                .zip(entries)
                .all(|(l, e)| *l.entry.kv == **e)
    }

    /// `EnvList.ToArray`: `K=V` strings.
    #[cfg(test)]
    pub(crate) fn to_array(&self) -> Vec<Arc<str>> {
        self.slots
            .iter()
            .flatten()
            .map(|l| Arc::clone(&l.entry.kv))
            .collect()
    }

    /// Keep dead slots from dominating long stages that re-set the same keys. The chain keeps
    /// its dead links until the next snapshot rebuilds it, so walking a snapshot stays linear
    /// in its environment too.
    fn compact_if_sparse(&mut self) {
        if self.slots.len() <= 32 || self.slots.len() <= 2 * self.index.len() {
            return;
        }
        self.slots.retain(Option::is_some);
        for (i, slot) in self.slots.iter().enumerate() {
            if let Some(l) = slot {
                self.index.insert(l.entry.clone(), i);
            }
        }
        self.head = None;
        self.chained = false;
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
        env.slots.iter().flatten().map(|l| &*l.entry.kv).collect()
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

    /// Every snapshot lists what `to_array` listed when it was taken, whatever the list and its
    /// clones did afterwards: replacing, deleting, compacting, forking both ways.
    #[test]
    fn snapshots_keep_the_environment_they_were_taken_in() {
        let mut lists = vec![EnvList::new()];
        let mut taken: Vec<(EnvSnapshot, Vec<String>)> = Vec::new();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for step in 0..4000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let forks = lists.len();
            let which = (seed % forks as u64) as usize;
            let key = format!("K{}", (seed >> 8) % 40);
            let list = &mut lists[which];
            match (seed >> 16) % 10 {
                0..=4 => list.add_or_replace(&key, &step.to_string()),
                5 => list.delete(&key),
                6 if forks < 6 => {
                    let fork = list.clone();
                    lists.push(fork);
                }
                _ => {
                    let now = list.to_array().iter().map(|kv| kv.to_string()).collect();
                    taken.push((list.snapshot(), now));
                }
            }
        }
        assert!(taken.len() > 1000);
        for (snapshot, expected) in &taken {
            let got: Vec<String> = snapshot
                .to_array()
                .iter()
                .map(|kv| kv.to_string())
                .collect();
            assert_eq!(&got, expected);
        }
        drop(lists);
        let (last, expected) = taken.pop().unwrap();
        drop(taken);
        assert_eq!(last.to_array().len(), expected.len());
    }

    #[test]
    fn a_long_chain_drops_without_recursing() {
        let mut env = EnvList::new();
        let first = env.snapshot();
        for i in 0..200_000 {
            env.add_or_replace(&format!("K{i}"), "v");
        }
        let last = env.snapshot();
        drop(env);
        assert_eq!(last.to_array().len(), 200_000);
        assert!(first.to_array().is_empty());
    }

    #[test]
    fn parses_key_value() {
        assert_eq!(parse_key_value("A=b=c"), ("A", "b=c"));
        assert_eq!(parse_key_value("A"), ("A", ""));
    }
}
