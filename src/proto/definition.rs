//! `pb.Definition`, written by hand so that prost encodes it the way Go does wherever it travels
//! (SolveRequest, Ref, frontend inputs, the SourceInfo of warnings and errors, source maps).
//!
//! prost leaves an empty value out of a map entry; Go always writes key and value. For
//! `map<string, OpMetadata>` that is not only a byte difference: BuildKit decodes with vtprotobuf,
//! which turns an entry without a value into a nil `*OpMetadata` the solver dereferences. build.rs
//! maps `.pb.Definition` here (`extern_path`); every other type stays generated. The encoding is
//! Go's deterministic one (entries in key order, both halves written), and tests/go/gateway-check
//! decodes it with BuildKit's own types.

use std::collections::BTreeMap;

use prost::bytes::{Buf, BufMut, Bytes};
use prost::encoding::{self, encode_key, encode_varint, encoded_len_varint, key_len, WireType};
use prost::{DecodeError, Message};

use super::pb;

/// A marshaled LLB graph: each `def` entry is one serialized Op, the terminal op last; metadata is
/// keyed by op digest. The ops and their metadata are shared with the graph's nodes, not copied
/// (a long stage's RUNs each carry the whole env).
#[derive(Clone, PartialEq, Default, Debug)]
pub struct Definition {
    pub def: Vec<Bytes>,
    pub metadata: BTreeMap<String, OpMetadataBytes>,
    pub source: Option<pb::Source>,
}

/// One op's `OpMetadata` kept as the bytes Go writes for it. Every op of a graph has one, and
/// decoded it is two B-trees (a one-entry `BTreeMap` leaf alone is over 500 bytes) where its
/// bytes are a few dozen; it is decoded only to be read (dumps, the rare merge of equal ops).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct OpMetadataBytes(Bytes);

impl OpMetadataBytes {
    /// The message's body, as [`Definition`] writes it inside a map entry.
    pub fn encode(md: &pb::OpMetadata) -> OpMetadataBytes {
        let mut buf = Vec::with_capacity(op_metadata_len(md));
        encode_op_metadata(md, &mut buf);
        OpMetadataBytes(buf.into())
    }

    /// The message.
    pub fn decode(&self) -> pb::OpMetadata {
        pb::OpMetadata::decode(&self.0[..])
            .expect("the bytes were encoded from an OpMetadata by `encode`")
    }

    /// The encoded body.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Whether top-level field `tag` is present, read without decoding. Absent fields are not
    /// written (an unset flag, an empty map, no message), so presence is the field's non-emptiness.
    pub fn has_field(&self, tag: u32) -> bool {
        let mut buf = &self.0[..];
        while !buf.is_empty() {
            let Ok((found, wire_type)) = encoding::decode_key(&mut buf) else {
                return false;
            };
            if found == tag {
                return true;
            }
            if encoding::skip_field(wire_type, found, &mut buf, Default::default()).is_err() {
                return false;
            }
        }
        false
    }
}

impl From<pb::OpMetadata> for OpMetadataBytes {
    fn from(md: pb::OpMetadata) -> OpMetadataBytes {
        OpMetadataBytes::encode(&md)
    }
}

impl std::fmt::Debug for OpMetadataBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.decode().fmt(f)
    }
}

impl Message for Definition {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        encoding::bytes::encode_repeated(1, &self.def, buf);
        for (digest, metadata) in &self.metadata {
            let value = metadata.0.len();
            length_prefix(2, string_len(1, digest) + embedded_len(2, value), buf);
            string_field(1, digest, buf);
            length_prefix(2, value, buf);
            buf.put_slice(&metadata.0);
        }
        if let Some(source) = &self.source {
            length_prefix(3, source_len(source), buf);
            encode_source(source, buf);
        }
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: encoding::DecodeContext,
    ) -> Result<(), DecodeError> {
        match tag {
            1 => encoding::bytes::merge_repeated(wire_type, &mut self.def, buf, ctx),
            2 => encoding::btree_map::merge(
                encoding::string::merge,
                // Decoded and written again, so that what is kept is Go's encoding.
                |wire_type, value: &mut OpMetadataBytes, buf, ctx| {
                    let mut md = value.decode();
                    encoding::message::merge(wire_type, &mut md, buf, ctx)?;
                    *value = OpMetadataBytes::encode(&md);
                    Ok(())
                },
                &mut self.metadata,
                buf,
                ctx,
            ),
            3 => encoding::message::merge(
                wire_type,
                self.source.get_or_insert_with(Default::default),
                buf,
                ctx,
            ),
            _ => encoding::skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        encoding::bytes::encoded_len_repeated(1, &self.def)
            + self
                .metadata
                .iter()
                .map(|(digest, md)| {
                    embedded_len(2, string_len(1, digest) + embedded_len(2, md.0.len()))
                })
                .sum::<usize>()
            + self
                .source
                .as_ref()
                .map_or(0, |s| embedded_len(3, source_len(s)))
    }

    fn clear(&mut self) {
        *self = Definition::default();
    }
}

fn encode_op_metadata(md: &pb::OpMetadata, buf: &mut impl BufMut) {
    if md.ignore_cache {
        encoding::bool::encode(1, &md.ignore_cache, buf);
    }
    encode_string_map(2, &md.description, buf);
    if let Some(export_cache) = &md.export_cache {
        encoding::message::encode(4, export_cache, buf);
    }
    for (cap, enabled) in &md.caps {
        length_prefix(5, string_len(1, cap) + 2, buf);
        string_field(1, cap, buf);
        encoding::bool::encode(2, enabled, buf);
    }
    if let Some(group) = &md.progress_group {
        encoding::message::encode(6, group, buf);
    }
    if let Some(resources) = &md.linux_resources {
        encoding::message::encode(7, resources, buf);
    }
}

fn op_metadata_len(md: &pb::OpMetadata) -> usize {
    usize::from(md.ignore_cache) * 2
        + string_map_len(2, &md.description)
        + md.export_cache
            .as_ref()
            .map_or(0, |e| encoding::message::encoded_len(4, e))
        + md.caps
            .keys()
            .map(|cap| embedded_len(5, string_len(1, cap) + 2))
            .sum::<usize>()
        + md.progress_group
            .as_ref()
            .map_or(0, |g| encoding::message::encoded_len(6, g))
        + md.linux_resources
            .as_ref()
            .map_or(0, |r| encoding::message::encoded_len(7, r))
}

fn encode_source(source: &pb::Source, buf: &mut impl BufMut) {
    for (digest, locations) in &source.locations {
        length_prefix(
            1,
            string_len(1, digest) + encoding::message::encoded_len(2, locations),
            buf,
        );
        string_field(1, digest, buf);
        encoding::message::encode(2, locations, buf);
    }
    // SourceInfo is generated; its `definition` field is this type, so it is written like Go's.
    encoding::message::encode_repeated(2, &source.infos, buf);
}

fn source_len(source: &pb::Source) -> usize {
    source
        .locations
        .iter()
        .map(|(digest, locations)| {
            embedded_len(
                1,
                string_len(1, digest) + encoding::message::encoded_len(2, locations),
            )
        })
        .sum::<usize>()
        + encoding::message::encoded_len_repeated(2, &source.infos)
}

/// A `map<string,string>` field: entries in key order, key and value always written (Go's rule).
pub(crate) fn encode_string_map(tag: u32, map: &BTreeMap<String, String>, buf: &mut impl BufMut) {
    for (key, value) in map {
        length_prefix(tag, string_len(1, key) + string_len(2, value), buf);
        string_field(1, key, buf);
        string_field(2, value, buf);
    }
}

pub(crate) fn string_map_len(tag: u32, map: &BTreeMap<String, String>) -> usize {
    map.iter()
        .map(|(key, value)| embedded_len(tag, string_len(1, key) + string_len(2, value)))
        .sum()
}

/// A string field written even when empty (inside map entries Go writes both halves).
pub(crate) fn string_field(tag: u32, value: &str, buf: &mut impl BufMut) {
    length_prefix(tag, value.len(), buf);
    buf.put_slice(value.as_bytes());
}

pub(crate) fn string_len(tag: u32, value: &str) -> usize {
    embedded_len(tag, value.len())
}

pub(crate) fn length_prefix(tag: u32, len: usize, buf: &mut impl BufMut) {
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint(len as u64, buf);
}

/// The size of a length-delimited field whose body is `len` bytes.
pub(crate) fn embedded_len(tag: u32, len: usize) -> usize {
    key_len(tag) + encoded_len_varint(len as u64) + len
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Definition {
        Definition {
            def: vec![b"op".to_vec().into(), Default::default()],
            metadata: BTreeMap::from([
                ("sha256:empty".to_string(), pb::OpMetadata::default().into()),
                (
                    "sha256:full".to_string(),
                    pb::OpMetadata {
                        ignore_cache: true,
                        description: BTreeMap::from([("llb.customname".into(), String::new())]),
                        caps: BTreeMap::from([("source.image".into(), true)]),
                        linux_resources: Some(pb::LinuxResources {
                            memory_swap: -1,
                            cpuset_cpus: "0-3".into(),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }
                    .into(),
                ),
            ]),
            source: Some(pb::Source {
                locations: BTreeMap::from([("sha256:full".into(), pb::Locations::default())]),
                infos: vec![pb::SourceInfo {
                    filename: "Dockerfile".into(),
                    definition: Some(Definition::default()),
                    ..Default::default()
                }],
            }),
        }
    }

    #[test]
    fn metadata_bytes_round_trip_and_show_which_fields_are_set() {
        for md in sample().metadata.values() {
            let decoded = md.decode();
            assert_eq!(OpMetadataBytes::encode(&decoded), *md);
            assert_eq!(md.has_field(1), decoded.ignore_cache);
            assert_eq!(md.has_field(2), !decoded.description.is_empty());
            assert_eq!(md.has_field(4), decoded.export_cache.is_some());
            assert_eq!(md.has_field(5), !decoded.caps.is_empty());
            assert_eq!(md.has_field(7), decoded.linux_resources.is_some());
        }
        assert!(sample().metadata["sha256:full"].has_field(7));
    }

    #[test]
    fn an_empty_map_value_is_written() {
        let bytes = Definition {
            metadata: BTreeMap::from([(String::new(), pb::OpMetadata::default().into())]),
            ..Default::default()
        }
        .encode_to_vec();
        // metadata entry {1: "", 2: {}}: both halves present, as Go writes them.
        assert_eq!(bytes, [0x12, 0x04, 0x0a, 0x00, 0x12, 0x00]);
    }

    #[test]
    fn length_matches_bytes_and_decoding_round_trips() {
        let def = sample();
        let bytes = def.encode_to_vec();
        assert_eq!(def.encoded_len(), bytes.len());
        assert_eq!(Definition::decode(&bytes[..]).unwrap(), def);
        // Nested in a generated message (prost asks for the length first).
        let info = pb::SourceInfo {
            definition: Some(def.clone()),
            ..Default::default()
        };
        let nested = info.encode_to_vec();
        assert_eq!(info.encoded_len(), nested.len());
        assert_eq!(pb::SourceInfo::decode(&nested[..]).unwrap(), info);
    }
}
