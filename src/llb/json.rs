//! A readable JSON view of a definition, in the spirit of `buildctl debug dump-llb`: one object
//! per op, in definition order, with its digest, the op and its metadata. Empty and zero fields
//! are left out, enums are shown by name, file data as text when it is UTF-8. Used for snapshot
//! tests and for `--json` output; it is a view, not a wire format.

use base64::Engine as _;
use prost::Message;
use serde_json::{json, Map, Value};

use crate::proto::pb;

use super::definition::Definition;
use super::wire::Digest;

impl Definition {
    /// The definition as a JSON array of `{digest, op, metadata, locations}` objects.
    pub fn to_json(&self) -> Value {
        let def = self.to_pb();
        let source = def.source.as_ref();
        let ops = def.def.iter().map(|bytes| {
            let digest = Digest::of(bytes).to_string();
            let mut entry = Map::new();
            entry.insert("digest".into(), json!(digest));
            entry.insert(
                "op".into(),
                match pb::Op::decode(&bytes[..]) {
                    Ok(op) => op_json(&op),
                    Err(e) => json!({ "undecodable": e.to_string() }),
                },
            );
            if let Some(metadata) = def.metadata.get(&digest) {
                put(&mut entry, "metadata", metadata_json(&metadata.decode()));
            }
            if let Some(locations) = source
                .and_then(|s| s.locations.get(&digest))
                .filter(|l| !l.locations.is_empty())
            {
                let list = locations.locations.iter().map(|l| location_json(l, source));
                entry.insert("locations".into(), Value::Array(list.collect()));
            }
            Value::Object(entry)
        });
        Value::Array(ops.collect())
    }
}

/// Inserts `value` unless it is empty, zero or false.
fn put(map: &mut Map<String, Value>, key: &str, value: Value) {
    let empty = match &value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_i64() == Some(0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(_) => false,
    };
    if !empty {
        map.insert(key.to_string(), value);
    }
}

fn object(fields: Vec<(&str, Value)>) -> Value {
    let mut map = Map::new();
    for (key, value) in fields {
        put(&mut map, key, value);
    }
    Value::Object(map)
}

fn op_json(op: &pb::Op) -> Value {
    let inputs: Vec<Value> = op
        .inputs
        .iter()
        .map(|i| object(vec![("digest", json!(i.digest)), ("index", json!(i.index))]))
        .collect();
    let (kind, body) = match &op.op {
        Some(pb::op::Op::Source(s)) => ("source", source_json(s)),
        Some(pb::op::Op::Exec(e)) => ("exec", exec_json(e)),
        Some(pb::op::Op::File(f)) => ("file", file_json(f)),
        Some(pb::op::Op::Merge(m)) => (
            "merge",
            json!({ "inputs": m.inputs.iter().map(|i| i.input).collect::<Vec<_>>() }),
        ),
        Some(pb::op::Op::Diff(d)) => (
            "diff",
            json!({
                "lower": d.lower.as_ref().map_or(-1, |l| l.input),
                "upper": d.upper.as_ref().map_or(-1, |u| u.input),
            }),
        ),
        None => ("terminal", Value::Null),
    };
    let mut map = Map::new();
    put(&mut map, "inputs", Value::Array(inputs));
    if body.is_null() {
        map.insert("kind".into(), json!(kind));
    } else {
        map.insert(kind.into(), body);
    }
    if let Some(p) = &op.platform {
        map.insert(
            "platform".into(),
            object(vec![
                ("os", json!(p.os)),
                ("architecture", json!(p.architecture)),
                ("variant", json!(p.variant)),
                ("os_version", json!(p.os_version)),
                ("os_features", json!(p.os_features)),
            ]),
        );
    }
    if let Some(c) = &op.constraints {
        put(&mut map, "constraints", json!(c.filter));
    }
    Value::Object(map)
}

fn source_json(source: &pb::SourceOp) -> Value {
    let mut map = Map::new();
    map.insert("identifier".into(), json!(source.identifier));
    if !source.attrs.is_empty() {
        map.insert("attrs".into(), json!(source.attrs));
    }
    Value::Object(map)
}

fn exec_json(exec: &pb::ExecOp) -> Value {
    let meta = exec.meta.clone().unwrap_or_default();
    let meta = object(vec![
        ("args", json!(meta.args)),
        ("env", json!(meta.env)),
        ("cwd", json!(meta.cwd)),
        ("user", json!(meta.user)),
        ("hostname", json!(meta.hostname)),
        ("cgroup_parent", json!(meta.cgroup_parent)),
        (
            "proxy_env",
            meta.proxy_env.map_or(Value::Null, |p| {
                object(vec![
                    ("http_proxy", json!(p.http_proxy)),
                    ("https_proxy", json!(p.https_proxy)),
                    ("ftp_proxy", json!(p.ftp_proxy)),
                    ("no_proxy", json!(p.no_proxy)),
                    ("all_proxy", json!(p.all_proxy)),
                ])
            }),
        ),
        (
            "extra_hosts",
            json!(meta
                .extra_hosts
                .iter()
                .map(|h| format!("{}={}", h.host, h.ip))
                .collect::<Vec<_>>()),
        ),
        (
            "ulimits",
            json!(meta
                .ulimit
                .iter()
                .map(|u| format!("{}={}:{}", u.name, u.soft, u.hard))
                .collect::<Vec<_>>()),
        ),
        (
            "remove_mount_stubs_recursive",
            json!(meta.remove_mount_stubs_recursive),
        ),
        ("valid_exit_codes", json!(meta.valid_exit_codes)),
    ]);
    let network = pb::NetMode::try_from(exec.network).map_or("?", |n| n.as_str_name());
    let security = pb::SecurityMode::try_from(exec.security).map_or("?", |s| s.as_str_name());
    object(vec![
        ("meta", meta),
        (
            "mounts",
            Value::Array(exec.mounts.iter().map(mount_json).collect()),
        ),
        (
            "network",
            json!(if exec.network == 0 { "" } else { network }),
        ),
        (
            "security",
            json!(if exec.security == 0 { "" } else { security }),
        ),
        (
            "secret_env",
            Value::Array(
                exec.secretenv
                    .iter()
                    .map(|s| {
                        object(vec![
                            ("id", json!(s.id)),
                            ("name", json!(s.name)),
                            ("optional", json!(s.optional)),
                        ])
                    })
                    .collect(),
            ),
        ),
        (
            "cdi_devices",
            Value::Array(
                exec.cdi_devices
                    .iter()
                    .map(|d| {
                        object(vec![
                            ("name", json!(d.name)),
                            ("optional", json!(d.optional)),
                        ])
                    })
                    .collect(),
            ),
        ),
    ])
}

fn mount_json(mount: &pb::Mount) -> Value {
    let kind = pb::MountType::try_from(mount.mount_type).map_or("?", |t| t.as_str_name());
    let mut map = Map::new();
    map.insert("dest".into(), json!(mount.dest));
    map.insert("type".into(), json!(kind));
    map.insert("input".into(), json!(mount.input));
    map.insert("output".into(), json!(mount.output));
    put(&mut map, "selector", json!(mount.selector));
    put(&mut map, "readonly", json!(mount.readonly));
    if let Some(cache) = &mount.cache_opt {
        let sharing = pb::CacheSharingOpt::try_from(cache.sharing).map_or("?", |s| s.as_str_name());
        map.insert(
            "cache".into(),
            json!({ "id": cache.id, "sharing": sharing }),
        );
    }
    if let Some(tmpfs) = &mount.tmpfs_opt {
        map.insert("tmpfs".into(), object(vec![("size", json!(tmpfs.size))]));
    }
    if let Some(secret) = &mount.secret_opt {
        map.insert(
            "secret".into(),
            object(vec![
                ("id", json!(secret.id)),
                ("uid", json!(secret.uid)),
                ("gid", json!(secret.gid)),
                ("mode", json!(format!("{:o}", secret.mode))),
                ("optional", json!(secret.optional)),
            ]),
        );
    }
    if let Some(ssh) = &mount.ssh_opt {
        map.insert(
            "ssh".into(),
            object(vec![
                ("id", json!(ssh.id)),
                ("uid", json!(ssh.uid)),
                ("gid", json!(ssh.gid)),
                ("mode", json!(format!("{:o}", ssh.mode))),
                ("optional", json!(ssh.optional)),
            ]),
        );
    }
    if mount.content_cache != 0 {
        let mode =
            pb::MountContentCache::try_from(mount.content_cache).map_or("?", |m| m.as_str_name());
        map.insert("content_cache".into(), json!(mode));
    }
    put(&mut map, "result_id", json!(mount.result_id));
    Value::Object(map)
}

fn file_json(file: &pb::FileOp) -> Value {
    use pb::file_action::Action;
    let actions = file.actions.iter().map(|a| {
        let (kind, body) = match &a.action {
            Some(Action::Copy(c)) => (
                "copy",
                object(vec![
                    ("src", json!(c.src)),
                    ("dest", json!(c.dest)),
                    ("owner", chown_json(c.owner.as_ref())),
                    (
                        "mode",
                        if c.mode == -1 {
                            Value::Null
                        } else {
                            json!(format!("{:o}", c.mode))
                        },
                    ),
                    ("mode_str", json!(c.mode_str)),
                    ("follow_symlink", json!(c.follow_symlink)),
                    ("dir_copy_contents", json!(c.dir_copy_contents)),
                    (
                        "attempt_unpack",
                        json!(c.attempt_unpack_docker_compatibility),
                    ),
                    ("create_dest_path", json!(c.create_dest_path)),
                    ("allow_wildcard", json!(c.allow_wildcard)),
                    ("allow_empty_wildcard", json!(c.allow_empty_wildcard)),
                    ("timestamp", timestamp_json(c.timestamp)),
                    ("include_patterns", json!(c.include_patterns)),
                    ("exclude_patterns", json!(c.exclude_patterns)),
                    ("required_paths", json!(c.required_paths)),
                    (
                        "always_replace_existing_dest_paths",
                        json!(c.always_replace_existing_dest_paths),
                    ),
                ]),
            ),
            Some(Action::Mkfile(m)) => (
                "mkfile",
                object(vec![
                    ("path", json!(m.path)),
                    ("mode", json!(format!("{:o}", m.mode))),
                    ("data", data_json(&m.data)),
                    ("owner", chown_json(m.owner.as_ref())),
                    ("timestamp", timestamp_json(m.timestamp)),
                ]),
            ),
            Some(Action::Mkdir(m)) => (
                "mkdir",
                object(vec![
                    ("path", json!(m.path)),
                    ("mode", json!(format!("{:o}", m.mode))),
                    ("make_parents", json!(m.make_parents)),
                    ("owner", chown_json(m.owner.as_ref())),
                    ("timestamp", timestamp_json(m.timestamp)),
                ]),
            ),
            Some(Action::Rm(r)) => (
                "rm",
                object(vec![
                    ("path", json!(r.path)),
                    ("allow_not_found", json!(r.allow_not_found)),
                    ("allow_wildcard", json!(r.allow_wildcard)),
                ]),
            ),
            Some(Action::Symlink(s)) => (
                "symlink",
                object(vec![
                    ("oldpath", json!(s.oldpath)),
                    ("newpath", json!(s.newpath)),
                    ("owner", chown_json(s.owner.as_ref())),
                    ("timestamp", timestamp_json(s.timestamp)),
                ]),
            ),
            None => ("none", json!({})),
        };
        let mut map = Map::new();
        map.insert("input".into(), json!(a.input));
        map.insert("secondary_input".into(), json!(a.secondary_input));
        map.insert("output".into(), json!(a.output));
        map.insert(kind.into(), body);
        Value::Object(map)
    });
    json!({ "actions": actions.collect::<Vec<_>>() })
}

fn timestamp_json(nanos: i64) -> Value {
    if nanos == -1 {
        Value::Null
    } else {
        json!(nanos)
    }
}

fn data_json(data: &[u8]) -> Value {
    match std::str::from_utf8(data) {
        Ok(text) => json!(text),
        Err(_) => json!({ "base64": base64::engine::general_purpose::STANDARD.encode(data) }),
    }
}

fn chown_json(owner: Option<&pb::ChownOpt>) -> Value {
    let Some(owner) = owner else {
        return Value::Null;
    };
    let user = |u: &Option<pb::UserOpt>| match u.as_ref().and_then(|u| u.user.as_ref()) {
        Some(pb::user_opt::User::ById(id)) => json!(id),
        Some(pb::user_opt::User::ByName(named)) => {
            json!({ "name": named.name, "input": named.input })
        }
        None => Value::Null,
    };
    object(vec![
        ("user", user(&owner.user)),
        ("group", user(&owner.group)),
    ])
}

fn metadata_json(metadata: &pb::OpMetadata) -> Value {
    object(vec![
        ("ignore_cache", json!(metadata.ignore_cache)),
        (
            "description",
            if metadata.description.is_empty() {
                Value::Null
            } else {
                json!(metadata.description)
            },
        ),
        (
            "export_cache",
            metadata
                .export_cache
                .map_or(Value::Null, |e| json!({ "value": e.value })),
        ),
        ("caps", json!(metadata.caps.keys().collect::<Vec<_>>())),
        (
            "progress_group",
            metadata.progress_group.as_ref().map_or(Value::Null, |g| {
                object(vec![
                    ("id", json!(g.id)),
                    ("name", json!(g.name)),
                    ("weak", json!(g.weak)),
                ])
            }),
        ),
        (
            "linux_resources",
            metadata.linux_resources.as_ref().map_or(Value::Null, |r| {
                object(vec![
                    ("memory", json!(r.memory)),
                    ("memorySwap", json!(r.memory_swap)),
                    ("cpuShares", json!(r.cpu_shares)),
                    ("cpuPeriod", json!(r.cpu_period)),
                    ("cpuQuota", json!(r.cpu_quota)),
                    ("cpusetCpus", json!(r.cpuset_cpus)),
                    ("cpusetMems", json!(r.cpuset_mems)),
                ])
            }),
        ),
    ])
}

fn location_json(location: &pb::Location, source: Option<&pb::Source>) -> Value {
    let file = source
        .and_then(|s| s.infos.get(location.source_index as usize))
        .map_or("", |info| info.filename.as_str());
    let ranges: Vec<String> = location
        .ranges
        .iter()
        .map(|r| {
            let start = r.start.unwrap_or_default();
            let end = r.end.unwrap_or_default();
            format!(
                "{}:{}-{}:{}",
                start.line, start.character, end.line, end.character
            )
        })
        .collect();
    json!({ "file": file, "ranges": ranges })
}
