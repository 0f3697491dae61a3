//! Source ops: where filesystems come from (`docker-image://`, `local://`, `git://`, `https://`).
//!
//! Attribute names and the caps each one needs follow client/llb/source.go and
//! solver/pb/{attr,caps}.go. Only image sources keep their platform (the Go client's
//! `platformSpecificSource`); all others are platform independent.

use std::collections::BTreeMap;

use crate::proto::pb;

use super::node::{Node, OpCommon, OpOptions, Output};

/// How an image source resolves its reference (`image.resolvemode`, and ResolveImageConfig's
/// `ResolveMode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ResolveMode {
    /// Use a local copy if there is one, pull otherwise.
    #[default]
    Default,
    /// Always check the registry.
    ForcePull,
    /// Only use local images.
    PreferLocal,
}

impl ResolveMode {
    /// The attr value: `default`, `pull` or `local`.
    pub fn attr(self) -> &'static str {
        match self {
            ResolveMode::Default => "default",
            ResolveMode::ForcePull => "pull",
            ResolveMode::PreferLocal => "local",
        }
    }
}

/// Builder of a source op. Start with [`Source::image`], [`Source::local`], [`Source::git`],
/// [`Source::http`] or [`Source::raw`]; finish with [`Source::build`].
#[derive(Clone, Debug)]
pub struct Source {
    identifier: String,
    attrs: BTreeMap<String, String>,
    keeps_platform: bool,
    common: OpCommon,
}

impl OpOptions for Source {
    fn common_mut(&mut self) -> &mut OpCommon {
        &mut self.common
    }
}

impl Source {
    /// Any identifier with its attributes, for schemes without a dedicated builder.
    pub fn raw(identifier: impl Into<String>, attrs: BTreeMap<String, String>) -> Source {
        let identifier = identifier.into();
        let keeps_platform =
            identifier.starts_with("docker-image://") || identifier.starts_with("oci-layout://");
        Source {
            identifier,
            attrs,
            keeps_platform,
            common: OpCommon::default(),
        }
    }

    /// An image, by a fully normalised reference such as `docker.io/library/alpine:3.20`
    /// (see [`normalize_image_ref`]).
    pub fn image(reference: impl Into<String>) -> Source {
        Source::raw(
            format!("docker-image://{}", reference.into()),
            BTreeMap::new(),
        )
        .cap("source.image")
    }

    /// Sets `image.resolvemode`; the default mode writes nothing and only a forced pull needs a
    /// cap, as in the Go client (`ResolveModeDefault` is its zero value).
    pub fn resolve_mode(self, mode: ResolveMode) -> Source {
        match mode {
            ResolveMode::Default => self,
            ResolveMode::ForcePull => self
                .attr("image.resolvemode", mode.attr())
                .cap("source.image.resolvemode"),
            ResolveMode::PreferLocal => self.attr("image.resolvemode", mode.attr()),
        }
    }

    /// Only uses the first `limit` layers of the image.
    pub fn layer_limit(self, limit: u32) -> Source {
        self.attr("image.layerlimit", limit.to_string())
            .cap("source.image.layerlimit")
    }

    /// Requires the image (or git commit, or http body) to have this checksum.
    pub fn checksum(self, checksum: impl Into<String>) -> Source {
        let scheme = self.scheme();
        match scheme {
            "git" => self
                .attr("git.checksum", checksum)
                .cap("source.git.checksum"),
            "http" | "https" => self
                .attr("http.checksum", checksum)
                .cap("source.http.checksum"),
            _ => self
                .attr("image.checksum", checksum)
                .cap("source.image.checksum"),
        }
    }

    /// Files sent by the client under `name` (the build context is `context`).
    pub fn local(name: impl Into<String>) -> Source {
        Source::raw(format!("local://{}", name.into()), BTreeMap::new()).cap("source.local")
    }

    /// The session that serves the files (`local.session`).
    pub fn session(self, id: impl Into<String>) -> Source {
        self.attr("local.session", id).cap("source.local.sessionid")
    }

    /// Only transfer files matching these patterns (`local.includepattern`, a JSON array).
    pub fn include_patterns(self, patterns: &[String]) -> Source {
        self.attr("local.includepattern", json_array(patterns))
            .cap("source.local.includepatterns")
    }

    /// Skip files matching these patterns (`local.excludepatterns`, a JSON array).
    pub fn exclude_patterns(self, patterns: &[String]) -> Source {
        self.attr("local.excludepatterns", json_array(patterns))
            .cap("source.local.excludepatterns")
    }

    /// Only transfer these paths and what they link to (`local.followpaths`, a JSON array).
    pub(crate) fn follow_paths(self, paths: &[String]) -> Source {
        self.attr("local.followpaths", json_array(paths))
            .cap("source.local.followpaths")
    }

    /// Shares the transfer cache between sources with the same hint (`local.sharedkeyhint`).
    pub fn shared_key_hint(self, hint: impl Into<String>) -> Source {
        self.attr("local.sharedkeyhint", hint)
            .cap("source.local.sharedkeyhint")
    }

    /// Sets `local.differ` (`none`, `metadata`); `required` also asks for the cap.
    pub fn differ(self, differ: impl Into<String>, required: bool) -> Source {
        let source = self.attr("local.differ", differ);
        if required {
            source.cap("source.local.differ")
        } else {
            source
        }
    }

    /// A git repository: `remote` is the identifier form without scheme
    /// (`github.com/moby/buildkit.git`), `fragment` is `ref[:subdir]` or empty.
    pub fn git(remote: impl Into<String>, fragment: impl AsRef<str>) -> Source {
        let mut identifier = format!("git://{}", remote.into());
        if !fragment.as_ref().is_empty() {
            identifier.push('#');
            identifier.push_str(fragment.as_ref());
        }
        Source::raw(identifier, BTreeMap::new()).cap("source.git")
    }

    /// The URL as the user wrote it (`git.fullurl`).
    pub fn git_full_url(self, url: impl Into<String>) -> Source {
        self.attr("git.fullurl", url).cap("source.git.fullurl")
    }

    /// Keeps the `.git` directory (`git.keepgitdir`).
    pub fn keep_git_dir(self) -> Source {
        self.attr("git.keepgitdir", "true")
            .cap("source.git.keepgitdir")
    }

    /// Any attribute, e.g. `git.authtokensecret`, `http.header.Accept`.
    pub fn attr(mut self, key: impl Into<String>, value: impl Into<String>) -> Source {
        self.attrs.insert(key.into(), value.into());
        self
    }

    /// A file downloaded over HTTP(S).
    pub fn http(url: impl Into<String>) -> Source {
        Source::raw(url, BTreeMap::new()).cap("source.http")
    }

    /// The name of the downloaded file (`http.filename`).
    pub fn http_filename(self, name: impl Into<String>) -> Source {
        self.attr("http.filename", name)
    }

    /// The permissions of the downloaded file (`http.perm`, written in octal).
    pub fn http_perm(self, mode: u32) -> Source {
        self.attr("http.perm", format!("0{mode:o}"))
            .cap("source.http.perm")
    }

    /// The owner of the downloaded file (`http.uid`, `http.gid`); zero IDs are left out, as
    /// in the Go client.
    pub fn http_chown(self, uid: u32, gid: u32) -> Source {
        let mut source = self;
        if uid != 0 {
            source = source.attr("http.uid", uid.to_string());
        }
        if gid != 0 {
            source = source.attr("http.gid", gid.to_string());
        }
        if uid != 0 || gid != 0 {
            // The Go constant really is spelt "soruce.http.uidgid" (solver/pb/caps.go).
            source = source.cap("soruce.http.uidgid");
        }
        source
    }

    /// The secrets git reads a token and a header from (`git.authtokensecret`,
    /// `git.authheadersecret`). The Go client always sets them (to `GIT_AUTH_TOKEN` and
    /// `GIT_AUTH_HEADER` by default) and asks for `source.git.httpauth` only when the user chose
    /// them: add that cap with [`OpOptions::cap`] in that case.
    pub fn git_auth_secrets(self, token: impl Into<String>, header: impl Into<String>) -> Source {
        self.attr("git.authtokensecret", token)
            .attr("git.authheadersecret", header)
    }

    /// Skips submodules (`git.skipsubmodules`).
    pub fn git_skip_submodules(self) -> Source {
        self.attr("git.skipsubmodules", "true")
            .cap("source.git.skipsubmodules")
    }

    fn scheme(&self) -> &str {
        self.identifier
            .split_once("://")
            .map_or("", |(scheme, _)| scheme)
    }

    /// Seals the op; a source has exactly one output.
    pub fn build(self) -> Output {
        let platform = if self.keeps_platform {
            self.common.platform.as_ref().map(|p| p.to_pb())
        } else {
            None
        };
        let op = pb::Op {
            op: Some(pb::op::Op::Source(pb::SourceOp {
                identifier: self.identifier,
                attrs: self.attrs,
            })),
            platform,
            ..pb::Op::default()
        };
        Output::new(Node::seal(op, Vec::new(), Vec::new(), self.common), 0)
    }
}

fn json_array(items: &[String]) -> String {
    serde_json::to_string(items).expect("a list of strings always serializes")
}

/// Normalises an image reference the way Docker does (`alpine` → `docker.io/library/alpine:latest`,
/// `me/app@sha256:…` → `docker.io/me/app@sha256:…`). Returns `None` for references that are not
/// well formed (empty, upper-case repository, bad digest).
pub fn normalize_image_ref(reference: &str) -> Option<String> {
    let (name_and_tag, digest) = match reference.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (reference, None),
    };
    if let Some(digest) = digest {
        let (algorithm, hex) = digest.split_once(':')?;
        if algorithm.is_empty() || hex.is_empty() {
            return None;
        }
    }
    // A tag follows the last ':' that comes after the last '/'.
    let last_slash = name_and_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_and_tag[last_slash..].rfind(':') {
        Some(i) => (
            &name_and_tag[..last_slash + i],
            Some(&name_and_tag[last_slash + i + 1..]),
        ),
        None => (name_and_tag, None),
    };
    if name.is_empty() || tag == Some("") {
        return None;
    }
    let (domain, path) = match name.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first.to_string(), rest.to_string())
        }
        _ => ("docker.io".to_string(), name.to_string()),
    };
    if path.is_empty() || path.chars().any(|c| c.is_ascii_uppercase()) {
        return None;
    }
    let path = if domain == "docker.io" && !path.contains('/') {
        format!("library/{path}")
    } else {
        path
    };
    let mut normalized = format!("{domain}/{path}");
    match (tag, digest) {
        (Some(tag), _) => {
            normalized.push(':');
            normalized.push_str(tag);
        }
        (None, None) => normalized.push_str(":latest"),
        (None, Some(_)) => {}
    }
    if let Some(digest) = digest {
        normalized.push('@');
        normalized.push_str(digest);
    }
    Some(normalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_refs_normalise_like_docker() {
        let cases = [
            ("alpine", "docker.io/library/alpine:latest"),
            ("alpine:3.20", "docker.io/library/alpine:3.20"),
            ("me/app", "docker.io/me/app:latest"),
            ("ghcr.io/me/app:v1", "ghcr.io/me/app:v1"),
            ("localhost:5000/app", "localhost:5000/app:latest"),
            ("docker.io/alpine", "docker.io/library/alpine:latest"),
            ("alpine@sha256:abcd", "docker.io/library/alpine@sha256:abcd"),
            (
                "alpine:3@sha256:abcd",
                "docker.io/library/alpine:3@sha256:abcd",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(
                normalize_image_ref(input).as_deref(),
                Some(expected),
                "{input}"
            );
        }
        assert_eq!(normalize_image_ref("Alpine"), None);
        assert_eq!(normalize_image_ref(""), None);
        assert_eq!(normalize_image_ref("alpine:"), None);
    }

    #[test]
    fn only_image_sources_keep_their_platform() {
        let platform = super::super::Platform::new("linux", "arm64");
        let image = Source::image("docker.io/library/alpine:latest")
            .platform(platform.clone())
            .build();
        assert!(image.node().op().platform.is_some());
        let local = Source::local("context").platform(platform).build();
        assert!(local.node().op().platform.is_none());
        assert_eq!(
            local.node().metadata().caps.iter().collect::<Vec<_>>(),
            ["source.local"]
        );
    }
}
