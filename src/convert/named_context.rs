//! Named contexts (`context:NAME` build options; dockerui namedcontext.go): a stage, the image a
//! FROM names, or an image `--from` names, replaced by what the client gave under that name, the
//! name looked up for the stage's platform first (`context:NAME::linux/amd64`), then alone.
//!
//! The converter decides which names are looked up, reads the value and builds the LLB of each
//! kind; what only the daemon knows (an image's config, a local's `.dockerignore`, a frontend
//! input's definition) the plan asks for ([`ContextRequest`]) and the gateway answers
//! ([`LoadedContext`]), as it answers base images.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use crate::proto::pb;

use super::git_ref::{parse_git_ref, GitRef, GitRefError};
use super::graph::{Fs, GitSpec, Op, OpKind, OpMeta};
use super::platform::Platform;
use super::reference::ImageRef;
use super::ErrorLocation;

/// Paths of a stage's result that later commands read (`dispatchState.paths`), shared by a
/// stage and the stages built on it as in the reference: a local named context transfers only
/// these (`local.followpaths`), all of it once a RUN or the target reads `/`.
pub(crate) type PathSet = Arc<Mutex<BTreeSet<String>>>;

pub(crate) fn insert_path(paths: &PathSet, path: String) {
    // A poisoned lock only means another conversion panicked; the set is still usable.
    paths.lock().unwrap_or_else(|e| e.into_inner()).insert(path);
}

/// A `context:` option found for a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    /// The name as the reference keys it: familiar, without `:latest`.
    pub name: String,
    /// `NAME::PLATFORM` or `NAME`: the option that matched.
    pub name_with_platform: String,
    pub value: String,
}

/// `Client.NamedContext`: the option for `name` on `platform` (`None`: the frontend's own
/// platform, `platforms.DefaultSpec`), `scratch` and `context` never being looked up. An error
/// for a name that is no image name (the reference's, for any stage name it cannot parse).
pub(crate) fn lookup(
    contexts: &BTreeMap<String, String>,
    name: &str,
    platform: &Platform,
) -> Result<Option<Found>, String> {
    if name.eq_ignore_ascii_case("scratch") || name.eq_ignore_ascii_case("context") {
        return Ok(None);
    }
    let parsed = ImageRef::parse_normalized(name)
        .map_err(|e| format!("invalid context name {name}: {e}"))?;
    let familiar = parsed.familiar();
    let familiar = familiar
        .strip_suffix(":latest")
        .unwrap_or(&familiar)
        .to_string();
    let with_platform = format!("{familiar}::{}", platform.clone().normalize().format_all());
    for key in [with_platform, familiar.clone()] {
        if let Some(value) = contexts.get(&key) {
            return Ok(Some(Found {
                name: familiar,
                name_with_platform: key,
                value: value.clone(),
            }));
        }
    }
    Ok(None)
}

/// What a named context's value names (`NamedContext.load`), read before anything is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ContextSource {
    /// `docker-image://scratch`.
    Scratch,
    /// `docker-image://REF`: `written` for progress names, `reference` normalised with a tag.
    Image {
        written: String,
        reference: String,
    },
    /// `oci-layout://STORE[:TAG]@DIGEST`: the store, and the reference the resolve and the
    /// source name (the context's name with the digest).
    OciLayout {
        store: String,
        reference: String,
    },
    /// `local:NAME`: a directory the client shares.
    Local {
        name: String,
    },
    /// `input:NAME`: a frontend input.
    Input {
        name: String,
    },
    Git(Box<GitRef>),
    /// An `http(s)://` URL that is no git repository: a download.
    Http {
        url: String,
    },
}

impl ContextSource {
    /// Reads `found`'s value; the error is the reference's text.
    pub(crate) fn parse(found: &Found) -> Result<ContextSource, String> {
        let value = &found.value;
        let for_name = &found.name_with_platform;
        let Some((scheme, rest)) = value.split_once(':') else {
            return Err(format!("invalid context specifier {value} for {for_name}"));
        };
        // `git@host:repo` without a scheme is an SSH URL.
        let scheme = if scheme.starts_with("git@") {
            "git"
        } else {
            scheme
        };
        match scheme {
            "docker-image" => {
                let written = rest.strip_prefix("//").unwrap_or(rest);
                if written == super::stages::EMPTY_IMAGE_NAME {
                    return Ok(ContextSource::Scratch);
                }
                let reference = ImageRef::parse_normalized(written)
                    .map_err(|e| e.to_string())?
                    .tag_name_only()
                    .to_string();
                Ok(ContextSource::Image {
                    written: written.to_string(),
                    reference,
                })
            }
            "git" => match parse_git_ref(value) {
                Ok(git) => Ok(ContextSource::Git(Box::new(git))),
                Err(GitRefError::NotGit(_)) => Err(format!("invalid git context {value}")),
                Err(GitRefError::Invalid(e)) => Err(e),
            },
            "http" | "https" => match parse_git_ref(value) {
                Ok(git) => Ok(ContextSource::Git(Box::new(git))),
                Err(GitRefError::Invalid(e)) => Err(e),
                Err(GitRefError::NotGit(_)) => Ok(ContextSource::Http { url: value.clone() }),
            },
            "oci-layout" => {
                let spec = rest.strip_prefix("//").unwrap_or(rest);
                let (store, digest) = oci_layout_ref(spec)?;
                let reference = ImageRef::parse_normalized(&found.name)
                    .and_then(|r| r.with_digest(&digest))
                    .map_err(|e| {
                        format!("could not parse oci-layout reference {:?}: {e}", found.name)
                    })?;
                Ok(ContextSource::OciLayout {
                    store,
                    reference: reference.to_string(),
                })
            }
            "local" => Ok(ContextSource::Local {
                name: rest.to_string(),
            }),
            "input" => Ok(ContextSource::Input {
                name: rest.to_string(),
            }),
            other => Err(format!("unsupported context source {other} for {for_name}")),
        }
    }
}

/// `reference.Parse` of an oci-layout value, as far as the reference uses it: the name (the
/// store id) and the digest, which it must have.
fn oci_layout_ref(spec: &str) -> Result<(String, String), String> {
    let bad = |why: &str| format!("could not parse oci-layout reference {spec:?}: {why}");
    let (named, digest) = match spec.split_once('@') {
        Some((named, digest)) => (named, Some(digest)),
        None => (spec, None),
    };
    // A tag follows the last `:` that has no `/` after it (a port has).
    let name = match named.rfind(':') {
        Some(i) if !named[i..].contains('/') => &named[..i],
        _ => named,
    };
    if name.is_empty() {
        return Err(bad("invalid reference format"));
    }
    if name.to_lowercase() != name {
        return Err(bad("repository name must be lowercase"));
    }
    let Some(digest) = digest else {
        return Err(format!("oci-layout reference {spec:?} has no digest"));
    };
    super::reference::parse_digest(digest).map_err(|e| bad(&e.to_string()))?;
    Ok((name.to_string(), digest.to_string()))
}

/// A named context whose loading needs the daemon.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContextRequest {
    /// `NAME::PLATFORM` or `NAME`, as in `context:<key>`; with `platform`, what answers are
    /// kept by.
    pub key: String,
    /// The platform the stage asks for (`ContextOpt.Platform`); `None` for the frontend's own.
    pub platform: Option<Platform>,
    pub load: ContextLoad,
    /// The FROM, COPY or RUN that names it: a failed load is located there.
    pub location: ErrorLocation,
}

/// What to ask the daemon for one named context.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContextLoad {
    /// ResolveImageConfig of `reference` (with the build's resolve mode).
    Image { reference: String, log_name: String },
    /// ResolveImageConfig of `reference` in the client's OCI layout store `store`.
    OciLayout {
        reference: String,
        store: String,
        log_name: String,
    },
    /// The `.dockerignore` of the client's directory `name`.
    Local { name: String },
    /// The frontend input `name`.
    Input { name: String },
}

/// The daemon's answer to a [`ContextRequest`].
#[derive(Debug, Clone, PartialEq)]
pub enum LoadedContext {
    /// The reference the resolver used, the manifest digest and the image config.
    Image {
        reference: String,
        config: Vec<u8>,
    },
    OciLayout {
        config: Vec<u8>,
    },
    /// The session that shares the directory, the shared key its option gave
    /// (`sharedkey:localdir:<key>`), its `.dockerignore` patterns.
    Local {
        session: String,
        shared_key: String,
        excludes: Vec<String>,
    },
    /// The input's definition and the image config its metadata carries
    /// (`input-metadata:NAME`'s `containerimage.config`).
    Input {
        definition: pb::Definition,
        config: Option<Vec<u8>>,
    },
}

/// A loaded named context: its filesystem and, for images, its config JSON.
pub(crate) struct Loaded {
    pub fs: Fs,
    pub config: Option<Vec<u8>>,
    /// The loader drops the config's `created` (a `docker-image://` context), so the base
    /// image config has none either.
    pub drops_created: bool,
}

/// One named context as a stage uses it.
#[derive(Debug, Clone)]
pub(crate) struct NamedUse {
    pub found: Found,
    /// `ContextOpt.Platform`.
    pub platform: Option<Platform>,
    /// How many times a source policy turned it into something else (its value is the last).
    pub redirects: usize,
}

/// `maxContextRecursion`.
const MAX_REDIRECTS: usize = 10;

impl NamedUse {
    /// The daemon request this context needs, if any; a value that does not parse is an error
    /// here, located at the stage.
    pub(crate) fn request(
        &self,
        location: ErrorLocation,
    ) -> Result<Option<ContextRequest>, String> {
        let nwp = &self.found.name_with_platform;
        if self.redirects > MAX_REDIRECTS {
            return Err(format!("context recursion limit exceeded; this may indicate a cycle in the provided source policies: {}", self.found.value));
        }
        let load = match ContextSource::parse(&self.found)? {
            ContextSource::Image { written, reference } => ContextLoad::Image {
                reference,
                log_name: format!("[context {nwp}] load metadata for {written}"),
            },
            ContextSource::OciLayout { store, reference } => ContextLoad::OciLayout {
                log_name: format!("[context {nwp}] load metadata for {reference}"),
                reference,
                store,
            },
            ContextSource::Local { name } => ContextLoad::Local { name },
            ContextSource::Input { name } => ContextLoad::Input { name },
            ContextSource::Scratch | ContextSource::Git(_) | ContextSource::Http { .. } => {
                return Ok(None)
            }
        };
        Ok(Some(ContextRequest {
            key: nwp.clone(),
            platform: self.platform.clone(),
            load,
            location,
        }))
    }

    /// The context's filesystem and config, given the daemon's answer when it needed one.
    /// `default_platform` is what an image source is pulled for when the stage names none
    /// (the marshal default, the target platform); `paths` the stage's [`PathSet`].
    pub(crate) fn load(
        &self,
        answer: Option<&LoadedContext>,
        default_platform: &Platform,
        git_advice: bool,
        paths: &PathSet,
    ) -> Result<Loaded, String> {
        let nwp = &self.found.name_with_platform;
        let named = |custom: String| OpMeta {
            custom_name: Some(custom),
            ..OpMeta::default()
        };
        let platform = self
            .platform
            .clone()
            .unwrap_or_else(|| default_platform.clone());
        let missing = || format!("named context {nwp} was not loaded");
        let source = ContextSource::parse(&self.found)?;
        Ok(match (source, answer) {
            (ContextSource::Scratch, _) => Loaded {
                fs: None,
                config: None,
                drops_created: false,
            },
            (
                ContextSource::Image { written, .. },
                Some(LoadedContext::Image { reference, config }),
            ) => {
                let kind = OpKind::Image {
                    reference: reference.clone(),
                    platform,
                    resolve_mode: crate::llb::ResolveMode::Default,
                };
                Loaded {
                    fs: Some(Op::new(kind, named(format!("[context {nwp}] {written}")))),
                    config: Some(config.clone()),
                    drops_created: true,
                }
            }
            (
                ContextSource::OciLayout { store, reference },
                Some(LoadedContext::OciLayout { config }),
            ) => {
                let kind = OpKind::OciLayout {
                    reference,
                    store,
                    platform,
                };
                Loaded {
                    fs: Some(Op::new(
                        kind,
                        named(format!("[context {nwp}] OCI load from client")),
                    )),
                    config: Some(config.clone()),
                    drops_created: false,
                }
            }
            (
                ContextSource::Local { name },
                Some(LoadedContext::Local {
                    session,
                    shared_key,
                    excludes,
                }),
            ) => {
                let kind = OpKind::NamedLocal(Box::new(NamedLocal {
                    name,
                    session: session.clone(),
                    shared_key: format!("context:{nwp}-{shared_key}"),
                    excludes: excludes.clone(),
                    paths: Arc::clone(paths),
                }));
                Loaded {
                    fs: Some(Op::new(
                        kind,
                        named(format!("[context {nwp}] load from client")),
                    )),
                    config: None,
                    drops_created: false,
                }
            }
            (ContextSource::Input { .. }, Some(LoadedContext::Input { definition, config })) => {
                let imported = crate::llb::import(definition).map_err(|e| e.to_string())?;
                Loaded {
                    fs: imported.map(|out| Op::new(OpKind::Llb(out), OpMeta::default())),
                    config: config.clone(),
                    drops_created: false,
                }
            }
            (ContextSource::Git(git), _) => {
                let spec = git_spec(*git, git_advice);
                let name = format!("[internal] load git source {}", self.found.value);
                Loaded {
                    fs: Some(Op::new(OpKind::Git(Box::new(spec)), named(name))),
                    config: None,
                    drops_created: false,
                }
            }
            (ContextSource::Http { url }, _) => {
                let name = format!("[context {nwp}] {url}");
                let kind = OpKind::Http {
                    url,
                    filename: "context".to_string(),
                    checksum: None,
                };
                Loaded {
                    fs: Some(Op::new(kind, named(name))),
                    config: None,
                    drops_created: false,
                }
            }
            _ => return Err(missing()),
        })
    }
}

/// `DetectGitContext`'s options.
fn git_spec(git: GitRef, advice: bool) -> GitSpec {
    GitSpec {
        remote: git.remote,
        git_ref: git.git_ref,
        subdir: git.subdir,
        keep_git_dir: git.keep_git_dir == Some(true),
        checksum: (!git.checksum.is_empty()).then_some(git.checksum),
        skip_submodules: git.submodules == Some(false),
        fetch_by_commit: git.fetch_by_commit,
        mtime: git.mtime,
        advice,
    }
}

/// `SOURCE_DATE_EPOCH=<name>` naming a named context: the source op whose time BuildKit is
/// asked for. Only git and http(s) contexts have one here; an image, a directory or an input
/// gives no time (the reference loads them first and then finds none either).
pub(crate) fn epoch_source(
    found: &Found,
    git_advice: bool,
) -> Result<Option<pb::SourceOp>, String> {
    let output = match ContextSource::parse(found)? {
        ContextSource::Git(git) => git_spec(*git, git_advice).to_llb().build(),
        ContextSource::Http { url } => crate::llb::Source::http(url)
            .http_filename("context")
            .build(),
        _ => return Ok(None),
    };
    match &output.node().op().op {
        Some(pb::op::Op::Source(source)) => Ok(Some(source.clone())),
        _ => Ok(None),
    }
}

/// A client directory given as a named context (`asyncLocalOutput`): which paths it transfers
/// is known only once every stage is converted.
#[derive(Debug)]
pub struct NamedLocal {
    pub name: String,
    pub session: String,
    pub shared_key: String,
    pub excludes: Vec<String>,
    pub(crate) paths: PathSet,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contexts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_platform_key_comes_first_and_names_are_familiar() {
        let amd64 = Platform::new("linux", "amd64");
        let c = contexts(&[
            ("alpine", "docker-image://busybox"),
            ("base::linux/amd64", "local:one"),
            ("base", "local:two"),
        ]);
        let found = lookup(&c, "docker.io/library/alpine:latest", &amd64)
            .unwrap()
            .unwrap();
        assert_eq!(found.name_with_platform, "alpine");
        let base = lookup(&c, "base", &amd64).unwrap().unwrap();
        assert_eq!(base.value, "local:one");
        let arm = lookup(&c, "base", &Platform::new("linux", "arm64"))
            .unwrap()
            .unwrap();
        assert_eq!(arm.value, "local:two");
        assert_eq!(lookup(&c, "scratch", &amd64), Ok(None));
        assert!(lookup(&c, "a..b", &amd64)
            .unwrap_err()
            .starts_with("invalid context name a..b: "));
    }

    #[test]
    fn values_are_read_as_the_reference_reads_them() {
        let parse = |v: &str| {
            ContextSource::parse(&Found {
                name: "base".into(),
                name_with_platform: "base".into(),
                value: v.into(),
            })
        };
        assert_eq!(parse("docker-image://scratch"), Ok(ContextSource::Scratch));
        assert_eq!(
            parse("docker-image://busybox"),
            Ok(ContextSource::Image {
                written: "busybox".into(),
                reference: "docker.io/library/busybox:latest".into()
            })
        );
        assert_eq!(
            parse("nothing"),
            Err("invalid context specifier nothing for base".into())
        );
        assert_eq!(
            parse("ftp://x"),
            Err("unsupported context source ftp for base".into())
        );
        assert!(matches!(
            parse("https://example.com/file.tar"),
            Ok(ContextSource::Http { .. })
        ));
        assert!(matches!(
            parse("https://example.com/repo.git#main"),
            Ok(ContextSource::Git(_))
        ));
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            parse(&format!("oci-layout://store:tag@{digest}")),
            Ok(ContextSource::OciLayout {
                store: "store".into(),
                reference: format!("docker.io/library/base@{digest}")
            })
        );
        assert_eq!(
            parse("oci-layout://store:tag"),
            Err("oci-layout reference \"store:tag\" has no digest".into())
        );
    }
}
