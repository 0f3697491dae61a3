//! The final step: a graph's head output to a `pb::Definition` ready to send to BuildKit.
//!
//! Ops are listed in post-order (inputs before the ops that read them), each distinct digest
//! once, and the terminal op `Op{inputs:[head]}` last (client/llb/state.go `Marshal`). The walk
//! is iterative, so a chain of any length is fine, and linear: each node's bytes and digest were
//! computed when it was built.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use crate::proto::pb;

use super::node::{Node, Output, SourceMap};
use super::wire::{encode_op, Digest};

/// A marshaled LLB graph.
#[derive(Clone, Debug, PartialEq)]
pub struct Definition {
    pb: pb::Definition,
}

impl Definition {
    /// Marshals everything `head` depends on; `head` is the result of the build.
    pub fn marshal(head: &Output) -> Definition {
        let mut collector = Collector::default();
        for node in post_order(head.node()) {
            collector.add(&node);
        }
        collector.finish(head)
    }

    /// The empty result (a build of `FROM scratch` with nothing else): no ops at all.
    pub fn scratch() -> Definition {
        Definition {
            pb: pb::Definition::default(),
        }
    }

    /// Marshals `head`, or the empty definition for scratch.
    pub fn marshal_opt(head: Option<&Output>) -> Definition {
        head.map_or_else(Definition::scratch, Definition::marshal)
    }

    /// The protobuf message.
    pub fn to_pb(&self) -> &pb::Definition {
        &self.pb
    }

    /// The protobuf message, by value.
    pub fn into_pb(self) -> pb::Definition {
        self.pb
    }

    /// Wraps a definition received from elsewhere (for dumping it).
    pub fn from_pb(pb: pb::Definition) -> Definition {
        Definition { pb }
    }

    /// The Go-canonical serialization of the whole definition.
    pub fn to_bytes(&self) -> Vec<u8> {
        use prost::Message;
        self.pb.encode_to_vec()
    }

    /// The digest of the op the terminal op points at, if any.
    pub fn head(&self) -> Option<Digest> {
        use prost::Message;
        let last = self.pb.def.last()?;
        let terminal = pb::Op::decode(&last[..]).ok()?;
        terminal
            .inputs
            .first()
            .map(|input| Digest::from_string(input.digest.clone()))
    }
}

/// Writes `def` exactly as `encode_to_vec` encodes it, op by op, dropping each op's bytes once
/// written: a large graph is then not held twice at its peak, once as ops and once encoded
/// (`dockerfile-llb llb`, the benchmark). The ops are field 1, which prost encodes first.
pub fn write_definition(
    mut def: pb::Definition,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    use prost::Message;
    let mut buf = Vec::new();
    for op in std::mem::take(&mut def.def) {
        buf.clear();
        prost::encoding::bytes::encode(1, &op, &mut buf);
        out.write_all(&buf)?;
    }
    out.write_all(&def.encode_to_vec())
}

/// Folds `other` into `into` the way the Go client merges the metadata of ops that share a
/// digest (client/llb/state.go `mergeMetadata`): flags OR, maps union, later values win.
fn merge_metadata(into: &mut pb::OpMetadata, other: &pb::OpMetadata) {
    into.ignore_cache |= other.ignore_cache;
    for (key, value) in &other.description {
        into.description.insert(key.clone(), value.clone());
    }
    if other.export_cache.is_some() {
        into.export_cache.clone_from(&other.export_cache);
    }
    for (cap, on) in &other.caps {
        into.caps.insert(cap.clone(), *on);
    }
    if other.progress_group.is_some() {
        into.progress_group.clone_from(&other.progress_group);
    }
    if other.linux_resources.is_some() {
        into.linux_resources.clone_from(&other.linux_resources);
    }
}

/// Nodes reachable from `head`, what each reads first, each node (by identity) once, in the
/// order the Go client marshals them.
fn post_order(head: &Arc<Node>) -> Vec<Arc<Node>> {
    let mut order = Vec::new();
    let mut seen: HashSet<*const Node> = HashSet::new();
    // (node, how many of its inputs were already pushed)
    let mut stack: Vec<(Arc<Node>, usize)> = vec![(Arc::clone(head), 0)];
    seen.insert(Arc::as_ptr(head));
    while let Some((node, next)) = stack.last_mut() {
        if let Some(input) = node.reads().get(*next) {
            *next += 1;
            let child = Arc::clone(input.node());
            if seen.insert(Arc::as_ptr(&child)) {
                stack.push((child, 0));
            }
        } else {
            let (node, _) = stack.pop().expect("the loop condition saw an element");
            order.push(node);
        }
    }
    order
}

#[derive(Default)]
struct Collector {
    def: Vec<prost::bytes::Bytes>,
    metadata: BTreeMap<String, pb::OpMetadataBytes>,
    /// Whether any op has the field of each cap the terminal op may declare (see `finish`).
    ignore_cache: bool,
    description: bool,
    export_cache: bool,
    source_maps: Vec<Arc<SourceMap>>,
    source_index: HashMap<*const SourceMap, i32>,
    locations: BTreeMap<String, Vec<pb::Location>>,
}

impl Collector {
    fn add(&mut self, node: &Node) {
        let digest = node.digest().as_str().to_owned();
        // Equal ops (one digest) are emitted once, with their metadata merged.
        match self.metadata.entry(digest.clone()) {
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(node.metadata_bytes().clone());
                self.def.push(node.shared_bytes());
            }
            std::collections::btree_map::Entry::Occupied(mut e) => {
                let mut merged = e.get().decode();
                merge_metadata(&mut merged, &node.metadata());
                e.insert(merged.into());
            }
        }
        // OpMetadata fields 1, 2 and 4; merging only adds fields, so the node's own suffice.
        let metadata = node.metadata_bytes();
        self.ignore_cache |= metadata.has_field(1);
        self.description |= metadata.has_field(2);
        self.export_cache |= metadata.has_field(4);
        // Every op walked has an entry, empty when it has no location (sourcemap.go `Add`).
        let added: Vec<pb::Location> = node
            .locations()
            .iter()
            .map(|location| pb::Location {
                source_index: self.source_index_of(&location.source),
                ranges: location.ranges.iter().map(|r| r.to_pb()).collect(),
            })
            .collect();
        self.locations.entry(digest).or_default().extend(added);
    }

    /// Source files are numbered in order of first use; equal files share a number.
    fn source_index_of(&mut self, source: &Arc<SourceMap>) -> i32 {
        let key = Arc::as_ptr(source);
        if let Some(index) = self.source_index.get(&key) {
            return *index;
        }
        let index = match self
            .source_maps
            .iter()
            .position(|known| **known == **source)
        {
            Some(i) => i as i32,
            None => {
                self.source_maps.push(Arc::clone(source));
                self.source_maps.len() as i32 - 1
            }
        };
        self.source_index.insert(key, index);
        index
    }

    fn finish(mut self, head: &Output) -> Definition {
        let terminal = encode_op(&pb::Op {
            inputs: vec![head.to_input()],
            ..pb::Op::default()
        });
        let terminal_digest = Digest::of(&terminal).to_string();
        // The terminal op declares what the whole graph relies on (state.go `Marshal`).
        let mut terminal_caps = vec!["constraints", "platform"];
        if self.ignore_cache {
            terminal_caps.push("meta.ignorecache");
        }
        if self.description {
            terminal_caps.push("meta.description");
        }
        if self.export_cache {
            terminal_caps.push("meta.exportcache");
        }
        let terminal_metadata = pb::OpMetadata {
            caps: terminal_caps
                .into_iter()
                .map(|cap| (cap.to_string(), true))
                .collect(),
            ..pb::OpMetadata::default()
        };
        self.metadata
            .insert(terminal_digest, terminal_metadata.into());
        self.def.push(terminal.into());

        let source = pb::Source {
            locations: self
                .locations
                .into_iter()
                .map(|(digest, locations)| (digest, pb::Locations { locations }))
                .collect(),
            infos: self
                .source_maps
                .iter()
                .map(|map| pb::SourceInfo {
                    filename: map.filename.clone(),
                    data: map.data.clone(),
                    definition: map.definition.clone(),
                    language: map.language.clone(),
                })
                .collect(),
        };
        Definition {
            pb: pb::Definition {
                def: self.def,
                metadata: self.metadata,
                source: Some(source),
            },
        }
    }
}
