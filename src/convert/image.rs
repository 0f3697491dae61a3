//! The image config the frontend returns as `containerimage.config`: the OCI image config plus
//! Docker's extensions (moby/docker-image-spec `DockerOCIImage`), with the Dockerfile frontend's
//! defaults (dockerfile2llb/image.go `emptyImage`) and history entries (convert.go `commitToHistory`).
//!
//! Field order and omission follow Go's `encoding/json` on those structs, so `to_json` gives the
//! reference's bytes: the embedded OCI `Image` fields first, then the outer `config`; `rootfs` always
//! present; maps with sorted keys; `<`, `>`, `&`, U+2028 and U+2029 escaped as Go does.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::platform::Platform;

/// `comment` of every history entry the Dockerfile frontend writes.
pub(crate) const HISTORY_COMMENT: &str = "buildkit.dockerfile.v0";

/// PATH of the empty image and the default exec PATH on non-Windows systems (util/system).
pub(crate) const DEFAULT_PATH_ENV_UNIX: &str =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// PATH for Windows targets.
pub(crate) const DEFAULT_PATH_ENV_WINDOWS: &str =
    "c:\\Windows\\System32;c:\\Windows;C:\\Windows\\System32\\WindowsPowerShell\\v1.0";

/// Default PATH for an OS (util/system `DefaultPathEnv`).
pub(crate) fn default_path_env(os: &str) -> &'static str {
    if os == "windows" {
        DEFAULT_PATH_ENV_WINDOWS
    } else {
        DEFAULT_PATH_ENV_UNIX
    }
}

/// `DockerOCIImage`: the whole image config document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImageConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub author: String,
    #[serde(default, deserialize_with = "nullable")]
    pub architecture: String,
    #[serde(default, deserialize_with = "nullable")]
    pub os: String,
    #[serde(
        rename = "os.version",
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub os_version: String,
    #[serde(
        rename = "os.features",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub os_features: Option<Vec<String>>,
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub variant: String,
    #[serde(default, deserialize_with = "nullable")]
    pub rootfs: RootFs,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    /// Shared entries: a stage starts with its base stage's whole history, and a chain of
    /// `FROM previous` stages would otherwise copy every entry once per later stage.
    pub history: Vec<Arc<History>>,
    /// Go puts the outer struct's `config` after every embedded field.
    #[serde(default, deserialize_with = "nullable")]
    pub config: ContainerConfig,
}

/// `rootfs`: always written; `diff_ids` is `null` when the Go slice is nil.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RootFs {
    #[serde(rename = "type", default, deserialize_with = "nullable")]
    pub kind: String,
    #[serde(default)]
    pub diff_ids: Option<Vec<String>>,
}

/// One `history` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub created_by: String,
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub author: String,
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub comment: String,
    #[serde(
        default,
        skip_serializing_if = "is_false",
        deserialize_with = "nullable"
    )]
    pub empty_layer: bool,
}

/// `config`: OCI `ImageConfig` plus `DockerOCIImageConfigExt`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerConfig {
    #[serde(
        rename = "User",
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub user: String,
    #[serde(
        rename = "ExposedPorts",
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "nullable"
    )]
    pub exposed_ports: BTreeMap<String, Empty>,
    #[serde(
        rename = "Env",
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub env: Vec<String>,
    #[serde(
        rename = "Entrypoint",
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub entrypoint: Vec<String>,
    #[serde(
        rename = "Cmd",
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub cmd: Vec<String>,
    #[serde(
        rename = "Volumes",
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "nullable"
    )]
    pub volumes: BTreeMap<String, Empty>,
    #[serde(
        rename = "WorkingDir",
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub working_dir: String,
    #[serde(
        rename = "Labels",
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "nullable"
    )]
    pub labels: BTreeMap<String, String>,
    #[serde(
        rename = "StopSignal",
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "nullable"
    )]
    pub stop_signal: String,
    #[serde(
        rename = "ArgsEscaped",
        default,
        skip_serializing_if = "is_false",
        deserialize_with = "nullable"
    )]
    pub args_escaped: bool,
    #[serde(
        rename = "Healthcheck",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub healthcheck: Option<Healthcheck>,
    #[serde(
        rename = "OnBuild",
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub on_build: Vec<String>,
    #[serde(
        rename = "Shell",
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub shell: Vec<String>,
}

/// `HealthcheckConfig`; durations are Go `time.Duration`, i.e. nanoseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Healthcheck {
    #[serde(
        rename = "Test",
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "nullable"
    )]
    pub test: Vec<String>,
    #[serde(
        rename = "Interval",
        default,
        skip_serializing_if = "is_zero",
        deserialize_with = "nullable"
    )]
    pub interval: i64,
    #[serde(
        rename = "Timeout",
        default,
        skip_serializing_if = "is_zero",
        deserialize_with = "nullable"
    )]
    pub timeout: i64,
    #[serde(
        rename = "StartPeriod",
        default,
        skip_serializing_if = "is_zero",
        deserialize_with = "nullable"
    )]
    pub start_period: i64,
    #[serde(
        rename = "StartInterval",
        default,
        skip_serializing_if = "is_zero",
        deserialize_with = "nullable"
    )]
    pub start_interval: i64,
    #[serde(
        rename = "Retries",
        default,
        skip_serializing_if = "is_zero",
        deserialize_with = "nullable"
    )]
    pub retries: i64,
}

/// The `{}` values of `ExposedPorts` and `Volumes` (Go `struct{}`); accepts any JSON value on input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Empty;

impl Serialize for Empty {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        s.serialize_map(Some(0))?.end()
    }
}

impl<'de> Deserialize<'de> for Empty {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d)?;
        Ok(Empty)
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

/// Go leaves a field at its zero value when the JSON says `null`; serde would fail instead.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl ImageConfig {
    /// The image of `FROM scratch` (dockerfile2llb `emptyImage`).
    pub fn empty(platform: &Platform) -> ImageConfig {
        let mut img = ImageConfig {
            architecture: platform.architecture.clone(),
            os: platform.os.clone(),
            os_version: platform.os_version.clone(),
            os_features: platform.os_features.clone(),
            variant: platform.variant.clone(),
            ..ImageConfig::default()
        };
        img.rootfs.kind = "layers".to_string();
        img.config.working_dir = "/".to_string();
        // Windows gets its PATH from the OS (moby/buildkit#5445).
        if platform.os != "windows" {
            img.config.env = vec![format!("PATH={}", default_path_env(&platform.os))];
        }
        img
    }

    /// Parse a base image's config as the reference does: unknown fields dropped, `null` as zero.
    /// False when the config JSON cannot hold ONBUILD triggers: the key `OnBuild` appears
    /// neither as written nor escaped (`\u`), so the config need not be parsed to find them.
    pub(crate) fn may_have_triggers(bytes: &[u8]) -> bool {
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        has(b"OnBuild") || has(b"\\u")
    }

    pub(crate) fn from_json(bytes: &[u8]) -> Result<ImageConfig, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    /// The image's own platform (os/arch/variant/os.version/os.features).
    pub fn platform(&self) -> Platform {
        Platform {
            os: self.os.clone(),
            architecture: self.architecture.clone(),
            variant: self.variant.clone(),
            os_version: self.os_version.clone(),
            os_features: self.os_features.clone(),
        }
    }

    /// Append a history entry (convert.go `commitToHistory`); `made_llb` adds the ` # buildkit`
    /// suffix the reference writes when the instruction produced an LLB state.
    pub(crate) fn commit_history(
        &mut self,
        message: String,
        with_layer: bool,
        made_llb: bool,
        created: Option<&str>,
    ) {
        let created_by = if made_llb {
            message + " # buildkit"
        } else {
            message
        };
        self.history.push(Arc::new(History {
            created: created.map(str::to_string),
            created_by,
            author: String::new(),
            comment: HISTORY_COMMENT.to_string(),
            empty_layer: !with_layer,
        }));
    }

    /// Set or replace `K=V` in `config.Env`, keeping the first position of K (convert.go `addEnv`).
    pub(crate) fn add_env(&mut self, key: &str, value: &str) {
        let entry = format!("{key}={value}");
        // A stage's every ENV scans the whole list: compare the key's bytes, not a split copy.
        let plain = !key.contains('=');
        let same_key = |e: &str| match plain {
            true => e.starts_with(key) && (e.len() == key.len() || e.as_bytes()[key.len()] == b'='),
            false => env_key(e) == key,
        };
        for existing in self.config.env.iter_mut() {
            if same_key(existing) {
                *existing = entry;
                return;
            }
        }
        self.config.env.push(entry);
    }

    /// Look up K in `config.Env`.
    pub(crate) fn env_value(&self, key: &str) -> Option<&str> {
        self.config
            .env
            .iter()
            .find(|e| env_key(e) == key)
            .map(|e| e.split_once('=').map(|(_, v)| v).unwrap_or(""))
    }

    /// The exact bytes of Go's `json.Marshal` of the reference struct.
    pub fn to_json(&self) -> Vec<u8> {
        crate::go::json::marshal(self)
    }
}

/// Key of a `K=V` env entry.
pub(crate) fn env_key(entry: &str) -> &str {
    entry.split_once('=').map(|(k, _)| k).unwrap_or(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amd64() -> Platform {
        Platform::new("linux", "amd64")
    }

    #[test]
    fn a_config_without_the_onbuild_key_is_known_to_have_no_triggers() {
        for (json, triggers) in [
            (r#"{"config":{"Env":["A=1"]}}"#, false),
            (r#"{"config":{"OnBuild":["RUN true"]}}"#, true),
            (r#"{"config":{"\u004fnBuild":["RUN true"]}}"#, true),
            (r#"{"config":{"onbuild":["RUN true"]}}"#, false),
        ] {
            let parsed = ImageConfig::from_json(json.as_bytes()).unwrap();
            assert_eq!(!parsed.config.on_build.is_empty(), triggers, "{json}");
            // Never false where the config has triggers.
            assert!(
                ImageConfig::may_have_triggers(json.as_bytes()) || !triggers,
                "{json}"
            );
        }
        assert!(!ImageConfig::may_have_triggers(
            br#"{"config":{"Env":["A=1"]}}"#
        ));
    }

    #[test]
    fn empty_image_json_matches_reference_layout() {
        let img = ImageConfig::empty(&amd64());
        let json = String::from_utf8(img.to_json()).unwrap();
        assert_eq!(
            json,
            r#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":null},"config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"WorkingDir":"/"}}"#
        );
    }

    #[test]
    fn windows_empty_image_has_no_path() {
        let img = ImageConfig::empty(&Platform::new("windows", "amd64"));
        assert!(img.config.env.is_empty());
    }

    #[test]
    fn history_entries_follow_commit_to_history() {
        let mut img = ImageConfig::empty(&amd64());
        img.commit_history("RUN /bin/sh -c make".into(), true, true, None);
        img.commit_history("ENV A=b".into(), false, false, None);
        let json = String::from_utf8(img.to_json()).unwrap();
        assert!(json.contains(
            r#""history":[{"created_by":"RUN /bin/sh -c make # buildkit","comment":"buildkit.dockerfile.v0"},{"created_by":"ENV A=b","comment":"buildkit.dockerfile.v0","empty_layer":true}]"#
        ));
    }

    #[test]
    fn go_html_escapes_in_strings() {
        let mut img = ImageConfig::empty(&amd64());
        img.config.cmd = vec!["a && b > c < d".into()];
        let json = String::from_utf8(img.to_json()).unwrap();
        assert!(
            json.contains(r#""Cmd":["a \u0026\u0026 b \u003e c \u003c d"]"#),
            "{json}"
        );
    }

    #[test]
    fn base_config_parses_with_nulls_and_unknown_fields() {
        let raw = br#"{"architecture":"arm64","variant":"v8","os":"linux","created":"2024-01-01T00:00:00Z",
            "container_config":{"Hostname":"x"},"config":{"Env":null,"Cmd":["sh"],"ExposedPorts":{"80/tcp":{}},
            "Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":30000000000}},"rootfs":{"type":"layers","diff_ids":["sha256:aa"]},
            "history":[{"created_by":"x","empty_layer":true}]}"#;
        let img = ImageConfig::from_json(raw).unwrap();
        assert_eq!(img.architecture, "arm64");
        assert!(img.config.env.is_empty());
        assert_eq!(img.config.cmd, vec!["sh"]);
        assert_eq!(
            img.config.healthcheck.as_ref().unwrap().interval,
            30_000_000_000
        );
        assert_eq!(
            img.rootfs.diff_ids.as_deref(),
            Some(&["sha256:aa".to_string()][..])
        );
        let json = String::from_utf8(img.to_json()).unwrap();
        assert!(json.starts_with(r#"{"created":"2024-01-01T00:00:00Z","architecture":"arm64","os":"linux","variant":"v8","#), "{json}");
        assert!(json.ends_with(
            r#""config":{"ExposedPorts":{"80/tcp":{}},"Cmd":["sh"],"Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":30000000000}}}"#
        ), "{json}");
    }

    #[test]
    fn add_env_replaces_in_place() {
        let mut img = ImageConfig::empty(&amd64());
        img.add_env("A", "1");
        img.add_env("PATH", "/x");
        assert_eq!(img.config.env, vec!["PATH=/x", "A=1"]);
        assert_eq!(img.env_value("A"), Some("1"));
        // An entry without `=` is its own key; a longer key with the same start is another.
        img.config.env = vec!["AB=1".into(), "A".into()];
        img.add_env("A", "2");
        assert_eq!(img.config.env, vec!["AB=1", "A=2"]);
    }
}
