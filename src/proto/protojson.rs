//! Messages of package `pb` written as Go's `protojson.Marshal` writes them, for the
//! `frontend.convertllb` subrequest, whose result.json is each op through protojson.
//!
//! Driven by ops.proto's descriptor (compiled by build.rs), straight from the wire bytes, so the
//! ops are written from exactly the bytes that were marshaled: fields in declaration order
//! under their JSON names, zero values of fields without presence left out (a oneof member or
//! a message is written whenever it is set), 64-bit integers as strings, enums by name, bytes
//! in standard base64, map entries by key. Go's JSON compacts the result and re-indents it, so
//! the layout here is only a `serde_json::Value`'s.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use base64::Engine;
use prost::Message;
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorSet};
use serde_json::{Map, Value};

static DESCRIPTOR: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/pb_descriptor.bin"));

/// The messages and enums of the descriptor, by full name (`.pb.Op`, `.pb.Meta.XEntry`).
struct Pool {
    messages: HashMap<String, DescriptorProto>,
    enums: HashMap<String, EnumDescriptorProto>,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let set = FileDescriptorSet::decode(DESCRIPTOR).expect("build.rs wrote a descriptor set");
        let mut pool = Pool {
            messages: HashMap::new(),
            enums: HashMap::new(),
        };
        for file in set.file {
            let prefix = format!(".{}", file.package());
            for e in file.enum_type {
                pool.enums.insert(format!("{prefix}.{}", e.name()), e);
            }
            for m in file.message_type {
                pool.add_message(&prefix, m);
            }
        }
        pool
    })
}

impl Pool {
    fn add_message(&mut self, prefix: &str, mut m: DescriptorProto) {
        let name = format!("{prefix}.{}", m.name());
        for e in std::mem::take(&mut m.enum_type) {
            self.enums.insert(format!("{name}.{}", e.name()), e);
        }
        for nested in std::mem::take(&mut m.nested_type) {
            self.add_message(&name, nested);
        }
        self.messages.insert(name, m);
    }
}

/// `protojson.Marshal` of the message `name` (e.g. `pb.Op`) encoded in `bytes`.
pub fn marshal(name: &str, bytes: &[u8]) -> Result<Value, String> {
    message(pool(), &format!(".{name}"), bytes)
}

/// One field's value as found on the wire.
enum Raw<'a> {
    Varint(u64),
    Fixed64(u64),
    Fixed32(u32),
    Bytes(&'a [u8]),
}

fn message(pool: &Pool, name: &str, bytes: &[u8]) -> Result<Value, String> {
    let descriptor = pool
        .messages
        .get(name)
        .ok_or_else(|| format!("no message {name} in the descriptor"))?;
    let mut found: BTreeMap<i32, Vec<Raw<'_>>> = BTreeMap::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let key = varint(&mut rest)?;
        let number = i32::try_from(key >> 3).map_err(|_| "field number out of range")?;
        let raw = match key & 7 {
            0 => Raw::Varint(varint(&mut rest)?),
            1 => Raw::Fixed64(u64::from_le_bytes(take(&mut rest, 8)?.try_into().unwrap())),
            2 => {
                let len = usize::try_from(varint(&mut rest)?).map_err(|_| "length too large")?;
                Raw::Bytes(take(&mut rest, len)?)
            }
            5 => Raw::Fixed32(u32::from_le_bytes(take(&mut rest, 4)?.try_into().unwrap())),
            other => return Err(format!("wire type {other} in {name}")),
        };
        found.entry(number).or_default().push(raw);
    }
    let mut out = Map::new();
    // Declaration order, as protojson ranges over a message's fields.
    for field in &descriptor.field {
        let Some(raws) = found.get(&field.number()) else {
            continue;
        };
        let json_name = field
            .json_name
            .clone()
            .unwrap_or_else(|| json_name(field.name()));
        if field.label() == Label::Repeated {
            if let Some(entry) = map_entry(pool, field) {
                let mut entries = Vec::new();
                for raw in raws {
                    let Raw::Bytes(b) = raw else {
                        return Err(format!("map field {} not length-delimited", field.name()));
                    };
                    entries.push(map_pair(pool, entry, b)?);
                }
                // protojson writes map entries in key order; a later duplicate key wins.
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                let mut object = Map::new();
                for (key, value) in entries {
                    object.insert(key.text(), value);
                }
                out.insert(json_name, Value::Object(object));
                continue;
            }
            let mut values = Vec::new();
            for raw in raws {
                match raw {
                    Raw::Bytes(b) if is_packable(field.r#type()) => {
                        let mut packed = *b;
                        while !packed.is_empty() {
                            let raw = match field.r#type() {
                                Type::Fixed64 | Type::Sfixed64 | Type::Double => Raw::Fixed64(
                                    u64::from_le_bytes(take(&mut packed, 8)?.try_into().unwrap()),
                                ),
                                Type::Fixed32 | Type::Sfixed32 | Type::Float => Raw::Fixed32(
                                    u32::from_le_bytes(take(&mut packed, 4)?.try_into().unwrap()),
                                ),
                                _ => Raw::Varint(varint(&mut packed)?),
                            };
                            values.push(scalar(pool, field, &raw)?);
                        }
                    }
                    raw => values.push(scalar(pool, field, raw)?),
                }
            }
            out.insert(json_name, Value::Array(values));
            continue;
        }
        // A singular field: the last occurrence counts.
        let raw = raws.last().expect("at least one occurrence");
        let value = scalar(pool, field, raw)?;
        let has_presence = field.oneof_index.is_some()
            || field.proto3_optional()
            || field.r#type() == Type::Message;
        if has_presence || !is_zero(&value, field) {
            out.insert(json_name, value);
        }
    }
    Ok(Value::Object(out))
}

/// A map key, ordered as protojson orders keys of its kind.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum MapKey {
    Bool(bool),
    Signed(i64),
    Unsigned(u64),
    Text(String),
}

impl MapKey {
    fn text(self) -> String {
        match self {
            MapKey::Bool(b) => b.to_string(),
            MapKey::Signed(n) => n.to_string(),
            MapKey::Unsigned(n) => n.to_string(),
            MapKey::Text(s) => s,
        }
    }
}

fn map_entry<'p>(pool: &'p Pool, field: &FieldDescriptorProto) -> Option<&'p DescriptorProto> {
    if field.r#type() != Type::Message {
        return None;
    }
    let entry = pool.messages.get(field.type_name())?;
    entry
        .options
        .as_ref()
        .is_some_and(|o| o.map_entry())
        .then_some(entry)
}

/// One map entry's key and value (an absent one is its type's zero value).
fn map_pair(pool: &Pool, entry: &DescriptorProto, bytes: &[u8]) -> Result<(MapKey, Value), String> {
    let field = |n: i32| {
        entry
            .field
            .iter()
            .find(|f| f.number() == n)
            .ok_or_else(|| format!("map entry {} without field {n}", entry.name()))
    };
    let (key_field, value_field) = (field(1)?, field(2)?);
    let mut key = None;
    let mut value = None;
    let mut rest = bytes;
    while !rest.is_empty() {
        let tag = varint(&mut rest)?;
        let raw = match tag & 7 {
            0 => Raw::Varint(varint(&mut rest)?),
            1 => Raw::Fixed64(u64::from_le_bytes(take(&mut rest, 8)?.try_into().unwrap())),
            2 => {
                let len = usize::try_from(varint(&mut rest)?).map_err(|_| "length too large")?;
                Raw::Bytes(take(&mut rest, len)?)
            }
            5 => Raw::Fixed32(u32::from_le_bytes(take(&mut rest, 4)?.try_into().unwrap())),
            other => return Err(format!("wire type {other} in a map entry")),
        };
        match tag >> 3 {
            1 => key = Some(scalar(pool, key_field, &raw)?),
            2 => value = Some(scalar(pool, value_field, &raw)?),
            _ => {}
        }
    }
    let key = key.unwrap_or_else(|| zero(pool, key_field));
    let key = match key {
        Value::Bool(b) => MapKey::Bool(b),
        Value::Number(n) if n.is_u64() => MapKey::Unsigned(n.as_u64().unwrap_or_default()),
        Value::Number(n) => MapKey::Signed(n.as_i64().unwrap_or_default()),
        // 64-bit keys are strings in JSON but ordered as numbers.
        Value::String(s) if is_64_bit(key_field.r#type()) => match s.parse::<i64>() {
            Ok(n) if key_field.r#type() != Type::Uint64 && key_field.r#type() != Type::Fixed64 => {
                MapKey::Signed(n)
            }
            _ => MapKey::Unsigned(s.parse().unwrap_or_default()),
        },
        Value::String(s) => MapKey::Text(s),
        other => MapKey::Text(other.to_string()),
    };
    Ok((key, value.unwrap_or_else(|| zero(pool, value_field))))
}

/// The JSON of one value of `field` (not repeated).
fn scalar(pool: &Pool, field: &FieldDescriptorProto, raw: &Raw<'_>) -> Result<Value, String> {
    let bad = || format!("field {} has an unexpected wire type", field.name());
    Ok(match (field.r#type(), raw) {
        (Type::Message, Raw::Bytes(b)) => message(pool, field.type_name(), b)?,
        (Type::String, Raw::Bytes(b)) => Value::String(String::from_utf8_lossy(b).into_owned()),
        (Type::Bytes, Raw::Bytes(b)) => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
        (Type::Bool, Raw::Varint(v)) => Value::Bool(*v != 0),
        (Type::Int32, Raw::Varint(v)) => Value::from(*v as i64 as i32),
        (Type::Uint32, Raw::Varint(v)) => Value::from(*v as u32),
        (Type::Sint32, Raw::Varint(v)) => Value::from(zigzag(*v) as i32),
        (Type::Int64, Raw::Varint(v)) => Value::String((*v as i64).to_string()),
        (Type::Uint64, Raw::Varint(v)) => Value::String(v.to_string()),
        (Type::Sint64, Raw::Varint(v)) => Value::String(zigzag(*v).to_string()),
        (Type::Fixed64, Raw::Fixed64(v)) => Value::String(v.to_string()),
        (Type::Sfixed64, Raw::Fixed64(v)) => Value::String((*v as i64).to_string()),
        (Type::Fixed32, Raw::Fixed32(v)) => Value::from(*v),
        (Type::Sfixed32, Raw::Fixed32(v)) => Value::from(*v as i32),
        (Type::Double, Raw::Fixed64(v)) => float(f64::from_bits(*v)),
        (Type::Float, Raw::Fixed32(v)) => float(f64::from(f32::from_bits(*v))),
        (Type::Enum, Raw::Varint(v)) => enum_value(pool, field, *v as i64 as i32),
        _ => return Err(bad()),
    })
}

/// A float as protojson writes the finite ones it meets here; NaN and infinities are strings.
fn float(f: f64) -> Value {
    if f.is_nan() {
        Value::String("NaN".into())
    } else if f.is_infinite() {
        Value::String(if f > 0.0 { "Infinity" } else { "-Infinity" }.into())
    } else {
        serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

fn enum_value(pool: &Pool, field: &FieldDescriptorProto, number: i32) -> Value {
    pool.enums
        .get(field.type_name())
        .and_then(|e| e.value.iter().find(|v| v.number() == number))
        .map_or_else(
            || Value::from(number),
            |v| Value::String(v.name().to_string()),
        )
}

/// The zero value of `field`'s type, as a map entry without a key or value has it.
fn zero(pool: &Pool, field: &FieldDescriptorProto) -> Value {
    match field.r#type() {
        Type::Message => Value::Object(Map::new()),
        Type::String | Type::Bytes => Value::String(String::new()),
        Type::Bool => Value::Bool(false),
        Type::Enum => enum_value(pool, field, 0),
        t if is_64_bit(t) => Value::String("0".into()),
        _ => Value::from(0),
    }
}

fn is_zero(value: &Value, field: &FieldDescriptorProto) -> bool {
    match value {
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(_) if field.r#type() == Type::Enum => false,
        Value::String(s) if is_64_bit(field.r#type()) => s == "0",
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

fn is_64_bit(t: Type) -> bool {
    matches!(
        t,
        Type::Int64 | Type::Uint64 | Type::Sint64 | Type::Fixed64 | Type::Sfixed64
    )
}

fn is_packable(t: Type) -> bool {
    !matches!(t, Type::String | Type::Bytes | Type::Message | Type::Group)
}

fn zigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn varint(bytes: &mut &[u8]) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = bytes.split_first().ok_or("truncated varint")?;
        *bytes = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err("varint too long".into())
}

fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Result<&'a [u8], String> {
    if bytes.len() < n {
        return Err("truncated field".into());
    }
    let (head, rest) = bytes.split_at(n);
    *bytes = rest;
    Ok(head)
}

/// protoc's JSON name of a field: underscores dropped, the letter after one upper-cased.
fn json_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::pb;
    use serde_json::json;

    fn op_json(op: &pb::Op) -> Value {
        marshal("pb.Op", &op.encode_to_vec()).unwrap()
    }

    #[test]
    fn an_exec_op_is_written_in_declaration_order_with_json_names() {
        let op = pb::Op {
            inputs: vec![pb::Input {
                digest: "sha256:aa".into(),
                index: 0,
            }],
            op: Some(pb::op::Op::Exec(pb::ExecOp {
                meta: Some(pb::Meta {
                    args: vec!["/bin/sh".into(), "-c".into(), "a<b".into()],
                    cwd: "/".into(),
                    proxy_env: Some(pb::ProxyEnv {
                        http_proxy: "x".into(),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                mounts: vec![
                    pb::Mount {
                        input: 0,
                        dest: "/".into(),
                        output: 0,
                        ..Default::default()
                    },
                    pb::Mount {
                        input: -1,
                        dest: "/c".into(),
                        output: -1,
                        mount_type: pb::MountType::Cache as i32,
                        cache_opt: Some(pb::CacheOpt {
                            id: "c".into(),
                            sharing: pb::CacheSharingOpt::Locked as i32,
                        }),
                        ..Default::default()
                    },
                ],
                ..Default::default()
            })),
            platform: Some(pb::Platform {
                architecture: "amd64".into(),
                os: "linux".into(),
                ..Default::default()
            }),
            constraints: Some(pb::WorkerConstraints::default()),
        };
        let got = op_json(&op);
        assert_eq!(
            got,
            json!({
                "inputs": [{"digest": "sha256:aa"}],
                "exec": {
                    "meta": {"args": ["/bin/sh", "-c", "a<b"], "cwd": "/", "proxyEnv": {"httpProxy": "x"}},
                    "mounts": [
                        {"dest": "/"},
                        {"input": "-1", "dest": "/c", "output": "-1", "mountType": "CACHE",
                         "cacheOpt": {"ID": "c", "sharing": "LOCKED"}}
                    ]
                },
                "platform": {"Architecture": "amd64", "OS": "linux"},
                "constraints": {}
            })
        );
        let keys: Vec<&String> = got.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["inputs", "exec", "platform", "constraints"]);
    }

    #[test]
    fn a_oneof_member_with_its_zero_value_is_written() {
        let op = pb::Op {
            op: Some(pb::op::Op::File(pb::FileOp {
                actions: vec![pb::FileAction {
                    input: 0,
                    secondary_input: -1,
                    output: 0,
                    action: Some(pb::file_action::Action::Mkdir(pb::FileActionMkDir {
                        path: "/a".into(),
                        mode: 0o755,
                        make_parents: true,
                        owner: Some(pb::ChownOpt {
                            user: Some(pb::UserOpt {
                                user: Some(pb::user_opt::User::ById(0)),
                            }),
                            group: None,
                        }),
                        timestamp: -1,
                    })),
                }],
            })),
            ..Default::default()
        };
        assert_eq!(
            op_json(&op),
            json!({"file": {"actions": [{"secondaryInput": "-1", "mkdir": {
                "path": "/a", "mode": 493, "makeParents": true,
                "owner": {"user": {"byID": 0}}, "timestamp": "-1"}}]}})
        );
    }

    #[test]
    fn map_entries_are_written_by_key() {
        let op = pb::Op {
            op: Some(pb::op::Op::Source(pb::SourceOp {
                identifier: "local://context".into(),
                attrs: [
                    ("z".to_string(), "1".to_string()),
                    ("a".to_string(), String::new()),
                ]
                .into_iter()
                .collect(),
            })),
            ..Default::default()
        };
        let got = op_json(&op);
        assert_eq!(
            got,
            json!({"source": {"identifier": "local://context", "attrs": {"a": "", "z": "1"}}})
        );
    }

    #[test]
    fn json_names_follow_protoc() {
        assert_eq!(json_name("proxy_env"), "proxyEnv");
        assert_eq!(json_name("TmpfsOpt"), "TmpfsOpt");
        assert_eq!(json_name("secondaryInput"), "secondaryInput");
    }
}
