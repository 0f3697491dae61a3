//! `RUN --mount=...` and `RUN --device=...` values.
//!
//! The reference checks a mount only lightly when parsing (CSV syntax, and no `$` in `from=`)
//! and fully after expanding each value with the stage's variables, so `type=$TYPE` is fine.
//! [`check_mount_syntax`] is the parse-time check, which also gives the unexpanded `from=` that
//! stage dependencies are planned with; [`parse_mount`] is the full parse the converter calls
//! with its expander.

use serde::Serialize;

use crate::syntax::suggest::search;
use crate::syntax::Word;

/// An error in a mount or device value, with an optional hint and the reference's "did you
/// mean" suggestion. Displayed as the reference's text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}{}", .suggestion.as_ref().map(|s| format!(" (did you mean {s}?)")).unwrap_or_default())]
pub struct MountError {
    pub message: String,
    pub hint: Option<String>,
    pub suggestion: Option<String>,
}

impl MountError {
    fn new(message: impl Into<String>) -> Self {
        MountError {
            message: message.into(),
            hint: None,
            suggestion: None,
        }
    }

    fn suggest(message: impl Into<String>, word: &str, options: &[&str]) -> Self {
        MountError {
            suggestion: search(word, options, true),
            ..MountError::new(message)
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MountType {
    #[default]
    Bind,
    Cache,
    Tmpfs,
    Secret,
    Ssh,
}

impl MountType {
    pub fn as_str(&self) -> &'static str {
        match self {
            MountType::Bind => "bind",
            MountType::Cache => "cache",
            MountType::Tmpfs => "tmpfs",
            MountType::Secret => "secret",
            MountType::Ssh => "ssh",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheSharing {
    Shared,
    Private,
    Locked,
}

/// A parsed `--mount`, field for field the reference's `instructions.Mount`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Mount {
    pub mount_type: MountType,
    /// `from=`: a stage name or image; empty for the build context.
    pub from: String,
    pub source: String,
    pub target: String,
    pub read_only: bool,
    /// tmpfs `size=` in bytes, 0 when unset.
    pub size_limit: i64,
    /// `id=` (cache id, secret id).
    pub cache_id: String,
    pub cache_sharing: Option<CacheSharing>,
    pub required: bool,
    /// secret `env=`: expose the secret as this environment variable.
    pub env: Option<String>,
    pub mode: Option<u64>,
    pub uid: Option<u64>,
    pub gid: Option<u64>,
}

const MOUNT_TYPES: &[&str] = &["bind", "cache", "tmpfs", "secret", "ssh"];
const SHARING_MODES: &[&str] = &["shared", "private", "locked"];
const MOUNT_KEYS: &[&str] = &[
    "type",
    "from",
    "source",
    "target",
    "readonly",
    "id",
    "sharing",
    "required",
    "size",
    "mode",
    "uid",
    "gid",
    "src",
    "dst",
    "destination",
    "ro",
    "rw",
    "readwrite",
    "env",
];

/// Splits one CSV record like Go's `encoding/csv` (fields separated by `,`, `"` quoting with
/// `""` for a quote).
pub(crate) fn csv_fields(value: &str) -> Result<Vec<String>, MountError> {
    // go-csvvalue reports an empty record as io.EOF.
    if value.is_empty() {
        return Err(MountError::new("EOF"));
    }
    let mut fields = Vec::new();
    let mut chars = value.char_indices().peekable();
    let mut field = String::new();
    let col = |i: usize| value[..i].chars().count() + 1;
    loop {
        field.clear();
        if chars.peek().map(|(_, c)| *c) == Some('"') {
            let (start, _) = chars.next().unwrap_or((0, '"'));
            loop {
                match chars.next() {
                    None => {
                        return Err(MountError::new(format!(
                            "parse error on line 1, column {}: extraneous or missing \" in quoted-field",
                            col(start) + 1
                        )))
                    }
                    Some((_, '"')) => {
                        if chars.peek().map(|(_, c)| *c) == Some('"') {
                            chars.next();
                            field.push('"');
                        } else {
                            break;
                        }
                    }
                    Some((_, c)) => field.push(c),
                }
            }
            match chars.next() {
                None => {
                    fields.push(field.clone());
                    return Ok(fields);
                }
                Some((_, ',')) => fields.push(field.clone()),
                Some((i, _)) => {
                    return Err(MountError::new(format!(
                        "parse error on line 1, column {}: extraneous or missing \" in quoted-field",
                        // Go reports the column of the closing quote.
                        col(i) - 1
                    )));
                }
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        fields.push(field.clone());
                        return Ok(fields);
                    }
                    Some((_, ',')) => {
                        fields.push(field.clone());
                        break;
                    }
                    Some((i, '"')) => {
                        return Err(MountError::new(format!(
                            "parse error on line 1, column {}: bare \" in non-quoted-field",
                            col(i)
                        )))
                    }
                    Some((_, c)) => field.push(c),
                }
            }
        }
    }
}

/// docker/go-units `RAMInBytes`: `512`, `64m`, `1.5GiB` (binary multiples).
pub(crate) fn parse_ram_in_bytes(s: &str) -> Option<i64> {
    let num_len = s
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.'))
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    let (num, suffix) = s.split_at(num_len);
    if num.is_empty() || num.starts_with('.') || num.ends_with('.') {
        return None;
    }
    let value: f64 = num.parse().ok()?;
    let suffix = suffix.strip_prefix(' ').unwrap_or(suffix);
    let mut chars = suffix.chars();
    let mult: f64 = match chars.clone().next().map(|c| c.to_ascii_lowercase()) {
        Some('k') => 1024f64,
        Some('m') => 1024f64.powi(2),
        Some('g') => 1024f64.powi(3),
        Some('t') => 1024f64.powi(4),
        Some('p') => 1024f64.powi(5),
        _ => 1.0,
    };
    if mult != 1.0 {
        chars.next();
    }
    let rest: String = chars.collect::<String>().to_ascii_lowercase();
    if !matches!(rest.as_str(), "" | "b" | "i" | "ib") {
        return None;
    }
    Some((value * mult) as i64)
}

/// A `--mount` value as written, split into its CSV fields once, at parse time. The reference
/// checks it then without an expander (`parseMount` with a nil expander): CSV syntax and no `$`
/// inside `from=`; nothing else is known before expansion, which [`RawMount::interpret`] does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RawMount {
    /// The value as written.
    pub word: Word,
    /// Its CSV fields (`key=value` or a bare key), unexpanded.
    pub fields: Vec<String>,
    /// `from=` as written ("" without one), for planning: literal, since the reference refuses
    /// variables in it.
    pub from: String,
}

impl RawMount {
    pub fn parse(word: Word) -> Result<RawMount, MountError> {
        let fields = csv_fields(&word.text)
            .map_err(|e| MountError::new(format!("failed to parse csv mounts: {}", e.message)))?;
        let mut from = String::new();
        for field in &fields {
            let Some((key, value)) = field.split_once('=') else {
                continue;
            };
            if key.eq_ignore_ascii_case("from") {
                if let Some(i) = value.find('$') {
                    if i != value.len() - 1 {
                        return Err(MountError {
                            hint: Some(
                                "add `FROM <image> AS <alias>` and use `from=<alias>`".into(),
                            ),
                            ..MountError::new(
                                "'from' doesn't support variable expansion, define alias stage instead",
                            )
                        });
                    }
                }
                from = value.to_string();
            }
        }
        Ok(RawMount { word, fields, from })
    }

    /// The mount, each value (not the keys) expanded with `expand`, exactly as the reference
    /// does when it dispatches RUN.
    pub(crate) fn interpret(
        &self,
        expand: &mut dyn FnMut(&str) -> Result<String, String>,
    ) -> Result<Mount, MountError> {
        parse_fields(&self.fields, expand)
    }
}

fn parse_fields(
    fields: &[String],
    expand: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<Mount, MountError> {
    let mut m = Mount::default();
    let mut ro_auto = true;
    let invalid =
        |key: &str, value: &str| MountError::new(format!("invalid value for {key}: {value}"));
    for field in fields {
        let (key, value) = match field.split_once('=') {
            Some((k, v)) => (k.to_ascii_lowercase(), Some(v)),
            None => (field.to_ascii_lowercase(), None),
        };
        let Some(value) = value else {
            match key.as_str() {
                "readonly" | "ro" => {
                    m.read_only = true;
                    ro_auto = false;
                }
                "readwrite" | "rw" => {
                    m.read_only = false;
                    ro_auto = false;
                }
                "required" if matches!(m.mount_type, MountType::Secret | MountType::Ssh) => {
                    m.required = true;
                }
                "required" => {
                    return Err(MountError::new(format!(
                        "unexpected key '{key}' for mount type '{}'",
                        m.mount_type.as_str()
                    )))
                }
                _ => {
                    return Err(MountError::new(format!(
                        "invalid field '{field}' must be a key=value pair"
                    )))
                }
            }
            continue;
        };
        let value = expand(value).map_err(MountError::new)?;
        match key.as_str() {
            "type" => {
                m.mount_type = match value.to_ascii_lowercase().as_str() {
                    "bind" => MountType::Bind,
                    "cache" => MountType::Cache,
                    "tmpfs" => MountType::Tmpfs,
                    "secret" => MountType::Secret,
                    "ssh" => MountType::Ssh,
                    _ => {
                        return Err(MountError::suggest(
                            format!("unsupported mount type {}", crate::go::quote(&value)),
                            &value,
                            MOUNT_TYPES,
                        ))
                    }
                }
            }
            "from" => m.from = value,
            "source" | "src" => m.source = value,
            "target" | "dst" | "destination" => m.target = value,
            "readonly" | "ro" => {
                m.read_only = crate::go::parse_bool(&value).ok_or_else(|| invalid(&key, &value))?;
                ro_auto = false;
            }
            "readwrite" | "rw" => {
                m.read_only =
                    !crate::go::parse_bool(&value).ok_or_else(|| invalid(&key, &value))?;
                ro_auto = false;
            }
            "required" => {
                if !matches!(m.mount_type, MountType::Secret | MountType::Ssh) {
                    return Err(MountError::new(format!(
                        "unexpected key '{key}' for mount type '{}'",
                        m.mount_type.as_str()
                    )));
                }
                m.required = crate::go::parse_bool(&value).ok_or_else(|| invalid(&key, &value))?;
            }
            "size" => {
                if m.mount_type != MountType::Tmpfs {
                    return Err(MountError::new(format!(
                        "unexpected key '{key}' for mount type '{}'",
                        m.mount_type.as_str()
                    )));
                }
                m.size_limit = parse_ram_in_bytes(&value).ok_or_else(|| invalid(&key, &value))?;
            }
            "id" => m.cache_id = value,
            "sharing" => {
                m.cache_sharing = Some(match value.to_ascii_lowercase().as_str() {
                    "shared" => CacheSharing::Shared,
                    "private" => CacheSharing::Private,
                    "locked" => CacheSharing::Locked,
                    _ => {
                        return Err(MountError::suggest(
                            format!("unsupported sharing value {}", crate::go::quote(&value)),
                            &value,
                            SHARING_MODES,
                        ))
                    }
                })
            }
            "mode" => {
                let mode = u64::from_str_radix(&value, 8)
                    .ok()
                    .filter(|m| *m <= u32::MAX as u64)
                    .ok_or_else(|| MountError::new(format!("invalid value {value} for mode")))?;
                m.mode = Some(mode);
            }
            "uid" | "gid" => {
                let id = value
                    .parse::<u64>()
                    .ok()
                    .filter(|m| *m <= u32::MAX as u64)
                    .ok_or_else(|| MountError::new(format!("invalid value {value} for {key}")))?;
                if key == "uid" {
                    m.uid = Some(id);
                } else {
                    m.gid = Some(id);
                }
            }
            "env" => m.env = Some(value),
            _ => {
                return Err(MountError::suggest(
                    format!("unexpected key '{key}' in '{field}'"),
                    &key,
                    MOUNT_KEYS,
                ))
            }
        }
    }
    let file_info_allowed = matches!(
        m.mount_type,
        MountType::Secret | MountType::Ssh | MountType::Cache
    );
    if !file_info_allowed {
        for (name, set) in [
            ("mode", m.mode.is_some()),
            ("uid", m.uid.is_some()),
            ("gid", m.gid.is_some()),
        ] {
            if set {
                return Err(MountError::new(format!(
                    "{name} not allowed for {} type mounts",
                    crate::go::quote(m.mount_type.as_str())
                )));
            }
        }
    }
    if ro_auto {
        m.read_only = !matches!(m.mount_type, MountType::Cache | MountType::Tmpfs);
    }
    if m.mount_type == MountType::Secret {
        if !m.from.is_empty() {
            return Err(MountError::new("secret mount should not have a from"));
        }
        if m.cache_sharing.is_some() {
            return Err(MountError::new("secret mount should not define sharing"));
        }
        if m.source.is_empty() && m.target.is_empty() && m.cache_id.is_empty() {
            return Err(MountError::new(
                "invalid secret mount. one of source, target required",
            ));
        }
        if !m.source.is_empty() && !m.cache_id.is_empty() {
            return Err(MountError::new("both source and id can't be set"));
        }
    }
    if m.cache_sharing.is_some() && m.mount_type != MountType::Cache {
        return Err(MountError::new(format!(
            "invalid cache sharing set for {} mount",
            m.mount_type.as_str()
        )));
    }
    Ok(m)
}

/// A `RUN --device=` value (CDI device name).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Device {
    pub name: String,
    pub required: bool,
}

/// Parses a `--device` value: `name[,required[=bool]]` or `name=...,required=...`.
pub fn parse_device(raw: &str) -> Result<Device, MountError> {
    let fields = csv_fields(raw)
        .map_err(|e| MountError::new(format!("failed to parse csv devices: {}", e.message)))?;
    let mut d = Device::default();
    for field in &fields {
        match field.split_once('=') {
            None => {
                if field.eq_ignore_ascii_case("required") {
                    d.required = true;
                } else if d.name.is_empty() {
                    d.name = field.clone();
                } else {
                    return Err(MountError::new(format!(
                        "invalid field '{field}' must be a key=value pair"
                    )));
                }
            }
            Some((key, value)) => match key.to_ascii_lowercase().as_str() {
                "name" => {
                    if !d.name.is_empty() {
                        return Err(MountError::new(format!(
                            "device name already set to {}",
                            d.name
                        )));
                    }
                    d.name = value.to_string();
                }
                "required" => {
                    d.required = crate::go::parse_bool(value).ok_or_else(|| {
                        MountError::new(format!("invalid value for required: {value}"))
                    })?;
                }
                k => {
                    if d.name.is_empty() {
                        d.name = field.clone();
                    } else {
                        return Err(MountError::suggest(
                            format!("unexpected key '{k}' in '{field}'"),
                            k,
                            &["name", "required"],
                        ));
                    }
                }
            },
        }
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Span;

    fn raw(text: &str) -> Result<RawMount, MountError> {
        RawMount::parse(Word::new(text, Span::new(0, text.len())))
    }

    fn mount(text: &str) -> Result<Mount, String> {
        raw(text)
            .and_then(|m| m.interpret(&mut |v: &str| Ok(v.to_string())))
            .map_err(|e| e.message)
    }

    #[test]
    fn mounts() {
        let m =
            mount("type=cache,target=/root/.cache,id=pip,sharing=locked,mode=0755,uid=1").unwrap();
        assert_eq!(m.mount_type, MountType::Cache);
        assert_eq!(m.target, "/root/.cache");
        assert_eq!(m.cache_sharing, Some(CacheSharing::Locked));
        assert_eq!(m.mode, Some(0o755));
        assert!(!m.read_only);
        let b = mount("target=/src,from=build,rw").unwrap();
        assert_eq!(
            (b.mount_type, b.read_only, b.from.as_str()),
            (MountType::Bind, false, "build")
        );
        let b = mount("type=bind,target=/src").unwrap();
        assert!(b.read_only);
        let s = mount("type=secret,id=tok,env=TOKEN,required").unwrap();
        assert_eq!((s.env.as_deref(), s.required), (Some("TOKEN"), true));
        let t = mount("type=tmpfs,target=/t,size=64m").unwrap();
        assert_eq!(t.size_limit, 64 << 20);
        let q = mount("type=bind,\"target=/a,b\"").unwrap();
        assert_eq!(q.target, "/a,b");
    }

    #[test]
    fn mount_errors() {
        let table = [
            ("type=cahce", "unsupported mount type \"cahce\""),
            ("type=bind,mode=0700", "mode not allowed for \"bind\" type mounts"),
            ("type=cache,sharing=x", "unsupported sharing value \"x\""),
            ("type=secret", "invalid secret mount. one of source, target required"),
            ("type=bind,required", "unexpected key 'required' for mount type 'bind'"),
            ("type=bind,foo", "invalid field 'foo' must be a key=value pair"),
            ("type=bind,targte=/x", "unexpected key 'targte' in 'targte=/x'"),
            ("type=tmpfs,size=lots", "invalid value for size: lots"),
            ("type=bind,target=\"x", "failed to parse csv mounts: parse error on line 1, column 18: bare \" in non-quoted-field"),
            ("type=bind,\"target=x", "failed to parse csv mounts: parse error on line 1, column 12: extraneous or missing \" in quoted-field"),
            ("type=bind,\"src=a\"x", "failed to parse csv mounts: parse error on line 1, column 17: extraneous or missing \" in quoted-field"),
            ("", "failed to parse csv mounts: EOF"),
        ];
        for (raw, want) in table {
            assert_eq!(mount(raw).unwrap_err(), want, "{raw}");
        }
        let e = raw("type=cahce")
            .unwrap()
            .interpret(&mut |v: &str| Ok(v.to_string()))
            .unwrap_err();
        assert_eq!(e.suggestion.as_deref(), Some("cache"));
        assert_eq!(
            e.to_string(),
            "unsupported mount type \"cahce\" (did you mean cache?)"
        );
        assert!(raw("type=cache,from=$X").is_err());
        assert_eq!(raw("type=cache,from=a$").unwrap().from, "a$");
        assert_eq!(raw("type=$T,target=/x,ro").unwrap().from, "");
        // Keys and types are only known after expansion, as in the reference.
        assert!(raw("type=bogus,targte=/x").is_ok());
    }

    #[test]
    fn devices_and_units() {
        assert_eq!(
            parse_device("vendor.com/gpu=all,required").unwrap(),
            Device {
                name: "vendor.com/gpu=all".into(),
                required: true
            }
        );
        assert_eq!(parse_device("name=x,required=false").unwrap().name, "x");
        assert!(parse_device("a,b").is_err());
        assert_eq!(parse_ram_in_bytes("1.5GiB"), Some(1610612736));
        assert_eq!(parse_ram_in_bytes("512"), Some(512));
        assert_eq!(parse_ram_in_bytes("12x"), None);
    }
}
