//! Go-canonical protobuf bytes for LLB ops and definitions, and their digests.
//!
//! BuildKit names every op by the SHA-256 of its serialized bytes, and the Go client serializes
//! with `proto.MarshalOptions{Deterministic: true}`. To get the same digests we must produce the
//! same bytes. prost matches Go for most messages (fields in number order, zero scalars omitted,
//! set sub-messages written even when empty), with two exceptions that we write by hand:
//! - inside a map entry prost leaves out an empty key or value, while Go always writes both
//!   (`SourceOp.attrs` here; the maps of `Definition`, `OpMetadata` and `Source` are written by
//!   `pb::Definition` itself, see src/proto/definition.rs);
//! - Go writes a oneof after all other fields; prost writes it at its field number. This only
//!   matters for `Op`, whose oneof (2..7) precedes `platform` (10) and `constraints` (11).
//!   `FileAction` and `UserOpt` have their oneofs last anyway, so prost gets them right.
//!
//! tests/llb_go.rs checks the result against BuildKit's Go code.

use prost::encoding;
use prost::Message;
use sha2::{Digest as _, Sha256};

use std::sync::Arc;

use crate::proto::definition::{
    embedded_len, encode_string_map, length_prefix, string_field, string_len, string_map_len,
};
use crate::proto::pb;

/// An op digest, `sha256:<lowercase hex>` of the op's exact bytes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest(String);

impl Digest {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Digest {
        Digest(format!("sha256:{}", hex::encode(Sha256::digest(bytes))))
    }

    /// Wraps a digest string received from elsewhere, as is.
    pub(crate) fn from_string(digest: String) -> Digest {
        Digest(digest)
    }

    /// The `sha256:<hex>` form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Serializes an `Op` the way Go's deterministic marshaler does.
pub fn encode_op(op: &pb::Op) -> Vec<u8> {
    let mut buf = Vec::with_capacity(op.encoded_len() + 16);
    encode_fields_before_oneof(op, &mut buf);
    match &op.op {
        Some(pb::op::Op::Exec(exec)) => encoding::message::encode(2, exec, &mut buf),
        Some(pb::op::Op::Source(source)) => {
            let identifier = match source.identifier.as_str() {
                "" => 0,
                _ => encoding::string::encoded_len(1, &source.identifier),
            };
            length_prefix(3, identifier + string_map_len(2, &source.attrs), &mut buf);
            encode_source_op(source, &mut buf);
        }
        Some(pb::op::Op::File(file)) => encoding::message::encode(4, file, &mut buf),
        Some(pb::op::Op::Merge(merge)) => encoding::message::encode(6, merge, &mut buf),
        Some(pb::op::Op::Diff(diff)) => encoding::message::encode(7, diff, &mut buf),
        None => {}
    }
    buf
}

/// [`encode_op`] of an exec op whose `Meta.env` is `env` (the op's own is empty): a stage's
/// whole environment stays in the strings the converter shares between its RUNs instead of
/// being copied into the message of each.
pub(crate) fn encode_exec_op(mut op: pb::Op, env: &[Arc<str>]) -> Vec<u8> {
    let mut exec = match op.op.take() {
        Some(pb::op::Op::Exec(exec)) if !env.is_empty() => exec,
        other => {
            op.op = other;
            return encode_op(&op);
        }
    };
    let mut meta = exec.meta.take().unwrap_or_default();
    debug_assert!(meta.env.is_empty(), "the env is given beside the op");
    // Meta's fields in number order: args (1), env (2), then the rest as prost writes them.
    let args = std::mem::take(&mut meta.args);
    let meta_len = args.iter().map(|a| string_len(1, a)).sum::<usize>()
        + env.iter().map(|e| string_len(2, e)).sum::<usize>()
        + meta.encoded_len();
    // ExecOp's meta (1) comes before all its other fields.
    let exec_len = embedded_len(1, meta_len) + exec.encoded_len();
    let mut buf = Vec::with_capacity(op.encoded_len() + embedded_len(2, exec_len));
    encode_fields_before_oneof(&op, &mut buf);
    length_prefix(2, exec_len, &mut buf);
    length_prefix(1, meta_len, &mut buf);
    for arg in &args {
        string_field(1, arg, &mut buf);
    }
    for entry in env {
        string_field(2, entry, &mut buf);
    }
    meta.encode_raw(&mut buf);
    exec.encode_raw(&mut buf);
    buf
}

/// protobuf-go marshals oneofs after all other fields ("to preserve compatibility with
/// historic wire output", internal/impl/codec_message.go), so `Op.op` (2..7) comes after
/// platform (10) and constraints (11). prost would write it in field-number order.
fn encode_fields_before_oneof(op: &pb::Op, buf: &mut Vec<u8>) {
    for input in &op.inputs {
        encoding::message::encode(1, input, buf);
    }
    if let Some(platform) = &op.platform {
        encoding::message::encode(10, platform, buf);
    }
    if let Some(constraints) = &op.constraints {
        encoding::message::encode(11, constraints, buf);
    }
}

fn encode_source_op(source: &pb::SourceOp, buf: &mut Vec<u8>) {
    if !source.identifier.is_empty() {
        encoding::string::encode(1, &source.identifier, buf);
    }
    encode_string_map(2, &source.attrs, buf);
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn empty_map_values_are_written_like_go() {
        let op = pb::Op {
            op: Some(pb::op::Op::Source(pb::SourceOp {
                identifier: "local://x".into(),
                attrs: BTreeMap::from([("k".to_string(), String::new())]),
            })),
            constraints: Some(pb::WorkerConstraints::default()),
            ..Default::default()
        };
        let bytes = encode_op(&op);
        // constraints{}, then the oneof: source{1:"local://x", 2:{1:"k", 2:""}}
        let expected: Vec<u8> = [
            &[0x5a, 0x00][..],
            &[0x1a, 0x12, 0x0a, 0x09],
            b"local://x",
            &[0x12, 0x05, 0x0a, 0x01, b'k', 0x12, 0x00],
        ]
        .concat();
        assert_eq!(bytes, expected);
        // prost itself drops the empty value: the reason this module exists.
        assert_ne!(op.encode_to_vec(), expected);
        assert_eq!(pb::Op::decode(&bytes[..]).unwrap(), op);
    }

    #[test]
    fn the_op_oneof_comes_after_platform_and_constraints() {
        let op = pb::Op {
            inputs: vec![pb::Input {
                digest: "sha256:00".into(),
                index: 1,
            }],
            op: Some(pb::op::Op::Merge(pb::MergeOp {
                inputs: vec![pb::MergeInput { input: 0 }],
            })),
            constraints: Some(pb::WorkerConstraints::default()),
            ..Default::default()
        };
        let bytes = encode_op(&op);
        // input {1:"sha256:00", 2:1} is 15 bytes, then constraints{}, then merge (field 6).
        assert_eq!(&bytes[15..17], [0x5a, 0x00]);
        assert_eq!(bytes[17], 0x32);
        assert_eq!(pb::Op::decode(&bytes[..]).unwrap(), op);
        assert_ne!(
            bytes,
            op.encode_to_vec(),
            "prost writes the oneof at its number"
        );
    }

    #[test]
    fn an_env_given_beside_an_exec_op_is_encoded_as_its_meta_env() {
        let env: Vec<Arc<str>> = vec!["A=1".into(), "".into(), "PATH=/bin".into()];
        let op = |env: Vec<String>| pb::Op {
            inputs: vec![pb::Input {
                digest: "sha256:00".into(),
                index: 0,
            }],
            op: Some(pb::op::Op::Exec(pb::ExecOp {
                meta: Some(pb::Meta {
                    args: vec!["/bin/sh".into(), "-c".into(), "".into()],
                    env,
                    cwd: "/".into(),
                    remove_mount_stubs_recursive: true,
                    ..Default::default()
                }),
                mounts: vec![pb::Mount {
                    dest: "/".into(),
                    ..Default::default()
                }],
                network: 1,
                ..Default::default()
            })),
            platform: Some(pb::Platform {
                os: "linux".into(),
                ..Default::default()
            }),
            constraints: Some(pb::WorkerConstraints::default()),
        };
        let whole = op(env.iter().map(|e| e.to_string()).collect());
        assert_eq!(encode_exec_op(op(Vec::new()), &env), encode_op(&whole));
        assert_eq!(encode_exec_op(whole.clone(), &[]), encode_op(&whole));
    }

    #[test]
    fn digest_is_sha256_of_bytes() {
        assert_eq!(
            Digest::of(b"").as_str(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
