//! What the `frontend.outline` subrequest reports (dockerfile2llb/outline.go): the build
//! arguments, secrets and SSH sockets the target uses. Each stage gathers them while it is
//! converted (`outlineCapture`); the outline puts together the target's, its base stages' and
//! those of the stages it reads.

use std::collections::{BTreeMap, BTreeSet};

use crate::instructions::LineRange;

/// A build argument as the converter saw it defined (`argInfo`).
#[derive(Debug, Clone)]
pub(crate) struct ArgInfo {
    /// The key as written.
    pub name: String,
    /// Its value, empty when it has none.
    pub value: String,
    /// From a `# NAME description` comment above its ARG.
    pub description: String,
    /// The ARG instruction's lines.
    pub lines: LineRange,
    /// Where the key is written: orders the arguments of one ARG (the reference's order there
    /// is its map order, random).
    pub at: usize,
    /// The arguments its default's expansion read: who uses it uses them too.
    pub deps: BTreeSet<String>,
}

/// A secret or SSH socket a RUN mounts: the first mount of the id in a stage decides.
#[derive(Debug, Clone)]
struct MountInfo {
    name: String,
    required: bool,
    lines: LineRange,
}

/// What one stage used (`outlineCapture`): the arguments it knows (the global ones, then its
/// own ARGs), which of them it used, and the secrets and SSH sockets its RUNs mount.
#[derive(Debug, Clone, Default)]
pub(crate) struct OutlineCapture {
    args: BTreeMap<String, ArgInfo>,
    used: BTreeSet<String>,
    secrets: Vec<MountInfo>,
    ssh: Vec<MountInfo>,
}

impl OutlineCapture {
    /// A stage that knows `args` (the global ARGs) and used `used` in its FROM lines.
    pub(crate) fn new(args: BTreeMap<String, ArgInfo>, used: BTreeSet<String>) -> Self {
        OutlineCapture {
            args,
            used,
            ..OutlineCapture::default()
        }
    }

    /// An ARG of the stage: it is used, and `info` (none for an ARG that only takes the
    /// global ARG's value) replaces what was known of it.
    pub(crate) fn arg(&mut self, key: &str, info: Option<ArgInfo>) {
        if let Some(info) = info {
            self.args.insert(key.to_string(), info);
        }
        self.used.insert(key.to_string());
    }

    pub(crate) fn secret(&mut self, id: &str, required: bool, lines: LineRange) {
        mount(&mut self.secrets, id, required, lines);
    }

    pub(crate) fn ssh(&mut self, id: &str, required: bool, lines: LineRange) {
        mount(&mut self.ssh, id, required, lines);
    }

    /// `markAllUsed`: the used arguments and, transitively, those their defaults read.
    fn all_used(&self) -> BTreeSet<String> {
        let mut used = BTreeSet::new();
        let mut pending: Vec<&str> = self.used.iter().map(String::as_str).collect();
        while let Some(k) = pending.pop() {
            if used.insert(k.to_string()) {
                if let Some(info) = self.args.get(k) {
                    pending.extend(info.deps.iter().map(String::as_str));
                }
            }
        }
        used
    }
}

fn mount(mounts: &mut Vec<MountInfo>, id: &str, required: bool, lines: LineRange) {
    if !mounts.iter().any(|m| m.name == id) {
        mounts.push(MountInfo {
            name: id.to_string(),
            required,
            lines,
        });
    }
}

/// The outline of a build target (`dispatchState.Outline`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outline {
    /// The target stage's name, empty for an unnamed one.
    pub name: String,
    /// From a `# name description` comment above its FROM.
    pub description: String,
    pub args: Vec<OutlineArg>,
    pub secrets: Vec<OutlineMount>,
    pub ssh: Vec<OutlineMount>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineArg {
    pub name: String,
    pub description: String,
    /// Empty when it has none.
    pub value: String,
    pub lines: LineRange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineMount {
    pub name: String,
    pub required: bool,
    pub lines: LineRange,
}

/// One stage as the outline walks it: what it used (none when it was not dispatched), its base
/// stage and the stages it reads.
pub(crate) struct OutlineStage<'a> {
    pub capture: Option<&'a OutlineCapture>,
    pub base: Option<usize>,
    pub deps: Vec<usize>,
}

/// The stages of a build, by index.
pub(crate) struct OutlineStages<'a>(pub Vec<OutlineStage<'a>>);

impl OutlineStages<'_> {
    /// `dispatchState.Outline` of `target`: every argument, secret and SSH socket used by the
    /// target, then by its base stages and the stages they read, the first one found of each
    /// name, ordered by line. The reference walks the stages read in map order (random) and
    /// sorts unstably, so where one name is used in two stages read by the same one, or two
    /// entries share a line, its order is random; ours is the commands' and the writing's.
    pub(crate) fn outline(&self, target: usize, name: String, description: String) -> Outline {
        let order = self.walk(target);
        let mut seen = BTreeSet::new();
        let mut args = Vec::new();
        for capture in order.iter().filter_map(|&i| self.0[i].capture) {
            let used = capture.all_used();
            let mut own: Vec<&ArgInfo> = used
                .iter()
                .filter_map(|k| capture.args.get(k).filter(|_| !seen.contains(k)))
                .collect();
            own.sort_by_key(|a| a.at);
            seen.extend(used.into_iter().filter(|k| capture.args.contains_key(k)));
            args.extend(own.into_iter().map(|a| OutlineArg {
                name: a.name.clone(),
                description: a.description.clone(),
                value: a.value.clone(),
                lines: a.lines,
            }));
        }
        args.sort_by_key(|a| a.lines.start);
        let mounts = |of: fn(&OutlineCapture) -> &Vec<MountInfo>| {
            let mut seen = BTreeSet::new();
            let mut out: Vec<OutlineMount> = order
                .iter()
                .filter_map(|&i| self.0[i].capture)
                .flat_map(of)
                .filter(|m| seen.insert(m.name.clone()))
                .map(|m| OutlineMount {
                    name: m.name.clone(),
                    required: m.required,
                    lines: m.lines,
                })
                .collect();
            out.sort_by_key(|m| m.lines.start);
            out
        };
        Outline {
            name,
            description,
            args,
            secrets: mounts(|c| &c.secrets),
            ssh: mounts(|c| &c.ssh),
        }
    }

    /// The stages in the order the reference visits them first: a stage, its base stage's
    /// walk, then each stage it reads. A stage met again adds nothing the first visit did not.
    fn walk(&self, target: usize) -> Vec<usize> {
        let mut order = Vec::new();
        let mut visited = BTreeSet::new();
        let mut stack = vec![target];
        while let Some(i) = stack.pop() {
            if !visited.insert(i) {
                continue;
            }
            order.push(i);
            let stage = &self.0[i];
            stack.extend(stage.deps.iter().rev());
            stack.extend(stage.base);
        }
        order
    }
}
