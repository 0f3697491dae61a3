//! Source ops: where filesystems come from (`docker-image://`, `local://`, `git://`, `https://`).
//!
//! Attribute names and the caps each one needs follow client/llb/source.go and
//! solver/pb/{attr,caps}.go. Only image sources keep their platform (the Go client's
//! `platformSpecificSource`); all others are platform independent.

use std::collections::BTreeMap;

use crate::go::path::join_path;
use crate::proto::pb;

use super::git_url;

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

    /// Requires the image (or http body) to have this checksum.
    pub fn checksum(self, checksum: impl Into<String>) -> Source {
        let scheme = self.scheme();
        match scheme {
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

    /// A git repository, as the Go client's `llb.Git(url, fragment)`: `url` in any form
    /// BuildKit's gitutil reads (`https://…`, `ssh://…`, `git://…`, `user@host:path`, or a bare
    /// `host/path` taken as https), `fragment` `ref[:subdir]` or empty.
    pub fn git(url: impl Into<String>, fragment: impl Into<String>) -> GitSource {
        let fragment = fragment.into();
        let (git_ref, subdir) = fragment
            .split_once(':')
            .map_or((fragment.as_str(), None), |(r, s)| (r, Some(s)));
        let subdir = subdir
            .map(|s| join_path("/", s).trim_start_matches('/').to_string())
            .unwrap_or_default();
        GitSource {
            url: url.into(),
            git_ref: git_ref.to_string(),
            subdir,
            keep_git_dir: false,
            auth_token_secret: "GIT_AUTH_TOKEN".to_string(),
            auth_header_secret: "GIT_AUTH_HEADER".to_string(),
            auth_chosen: false,
            known_ssh_hosts: String::new(),
            mount_ssh_sock: String::new(),
            checksum: String::new(),
            skip_submodules: false,
            mtime: String::new(),
            advice: false,
            fetch_by_commit: false,
            common: OpCommon::default(),
        }
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

/// Builder of a git source op (`llb.Git` and its `GitOption`s), from [`Source::git`]. The
/// identifier is `git://<host><path>[#<ref>[:<subdir>]]`, the same for every protocol that
/// reaches the same repository, so it is made at [`GitSource::build`], after every option.
#[derive(Clone, Debug)]
pub struct GitSource {
    url: String,
    git_ref: String,
    subdir: String,
    keep_git_dir: bool,
    auth_token_secret: String,
    auth_header_secret: String,
    /// The secrets were chosen, not defaulted: only then is `source.git.httpauth` needed.
    auth_chosen: bool,
    known_ssh_hosts: String,
    mount_ssh_sock: String,
    checksum: String,
    skip_submodules: bool,
    mtime: String,
    advice: bool,
    fetch_by_commit: bool,
    common: OpCommon,
}

impl OpOptions for GitSource {
    fn common_mut(&mut self) -> &mut OpCommon {
        &mut self.common
    }
}

impl GitSource {
    /// The ref to check out (`GitRef`), replacing the fragment's.
    pub fn git_ref(mut self, git_ref: impl Into<String>) -> GitSource {
        self.git_ref = git_ref.into();
        self
    }

    /// The directory of the repository to use (`GitSubDir`), as given.
    pub fn subdir(mut self, subdir: impl Into<String>) -> GitSource {
        self.subdir = subdir.into();
        self
    }

    /// Keeps the `.git` directory (`git.keepgitdir`).
    pub fn keep_git_dir(mut self) -> GitSource {
        self.keep_git_dir = true;
        self
    }

    /// The secret git reads a token from (`AuthTokenSecret`; `GIT_AUTH_TOKEN` by default).
    pub fn auth_token_secret(mut self, name: impl Into<String>) -> GitSource {
        self.auth_token_secret = name.into();
        self.auth_chosen = true;
        self
    }

    /// The secret git reads an auth header from (`AuthHeaderSecret`; `GIT_AUTH_HEADER` by
    /// default).
    pub fn auth_header_secret(mut self, name: impl Into<String>) -> GitSource {
        self.auth_header_secret = name.into();
        self.auth_chosen = true;
        self
    }

    /// One more `known_hosts` line for an ssh remote (`KnownSSHHosts`).
    pub fn known_ssh_host(mut self, key: &str) -> GitSource {
        self.known_ssh_hosts
            .push_str(key.strip_suffix('\n').unwrap_or(key));
        self.known_ssh_hosts.push('\n');
        self
    }

    /// The ssh agent socket an ssh remote uses (`MountSSHSock`; `default` by default).
    pub fn mount_ssh_sock(mut self, id: impl Into<String>) -> GitSource {
        self.mount_ssh_sock = id.into();
        self
    }

    /// The commit the ref must resolve to (`GitChecksum`, `git.checksum`).
    pub fn checksum(mut self, checksum: impl Into<String>) -> GitSource {
        self.checksum = checksum.into();
        self
    }

    /// Skips submodules (`git.skipsubmodules`).
    pub fn skip_submodules(mut self) -> GitSource {
        self.skip_submodules = true;
        self
    }

    /// `git.mtime` as a URL's `mtime=` gives it (`GitMTime`): `checkout` or `commit`.
    pub fn mtime(mut self, mtime: impl Into<String>) -> GitSource {
        self.mtime = mtime.into();
        self
    }

    /// File times are the commit's, not the checkout's (`GitMTimeCommit`, `git.mtime=commit`).
    pub fn mtime_commit(self) -> GitSource {
        self.mtime("commit")
    }

    /// Asks git for its advice messages (`GitAdvice`, `git.advice`).
    pub fn advice(mut self, enabled: bool) -> GitSource {
        self.advice = enabled;
        self
    }

    /// Fetches the checksum's commit without resolving the ref (`GitFetchByCommit`).
    pub fn fetch_by_commit(mut self) -> GitSource {
        self.fetch_by_commit = true;
        self
    }

    /// Seals the op, as `llb.Git` makes it.
    pub fn build(self) -> Output {
        let mut url = self.url;
        let mut remote = git_url::parse_url(&url);
        if remote == Err(git_url::GitUrlError::UnknownProtocol) {
            url = format!("https://{url}");
            remote = git_url::parse_url(&url);
        }
        if let Ok(r) = &remote {
            url = r.remote.clone();
        }
        let identifier = match &remote {
            // An unparsable URL is the whole identifier; fetching it fails later.
            Err(_) => url.clone(),
            Ok(r) => {
                let mut id = format!("{}{}", r.host, join_path("/", &r.path));
                if !self.git_ref.is_empty() || !self.subdir.is_empty() {
                    id.push('#');
                    id.push_str(&self.git_ref);
                    if !self.subdir.is_empty() {
                        id.push(':');
                        id.push_str(&self.subdir);
                    }
                }
                id
            }
        };
        let mut attrs = BTreeMap::new();
        let mut caps = Vec::new();
        if self.keep_git_dir {
            attrs.insert("git.keepgitdir", "true".to_string());
            caps.push("source.git.keepgitdir");
        }
        if !url.is_empty() {
            attrs.insert("git.fullurl", url);
            caps.push("source.git.fullurl");
        }
        if !self.auth_token_secret.is_empty() {
            attrs.insert("git.authtokensecret", self.auth_token_secret);
        }
        if !self.auth_header_secret.is_empty() {
            attrs.insert("git.authheadersecret", self.auth_header_secret);
        }
        if self.auth_chosen {
            caps.push("source.git.httpauth");
        }
        if remote.as_ref().is_ok_and(|r| r.scheme == git_url::SSH) {
            // The Go client also scans the host's key when none is given (best effort, over
            // the network); this builder never dials out, which is what the Go client writes
            // when the scan fails.
            if !self.known_ssh_hosts.is_empty() {
                attrs.insert("git.knownsshhosts", self.known_ssh_hosts);
            }
            caps.push("source.git.knownsshhosts");
            let sock = if self.mount_ssh_sock.is_empty() {
                "default".to_string()
            } else {
                self.mount_ssh_sock
            };
            attrs.insert("git.mountsshsock", sock);
            caps.push("source.git.mountsshsock");
        }
        if !self.checksum.is_empty() {
            attrs.insert("git.checksum", self.checksum);
            caps.push("source.git.checksum");
        }
        if self.skip_submodules {
            attrs.insert("git.skipsubmodules", "true".to_string());
            caps.push("source.git.skipsubmodules");
        }
        if !self.mtime.is_empty() {
            attrs.insert("git.mtime", self.mtime);
            caps.push("source.git.mtime");
        }
        if self.advice {
            attrs.insert("git.advice", "true".to_string());
        }
        if self.fetch_by_commit {
            attrs.insert("git.fetchbycommit", "true".to_string());
            caps.push("source.git.fetchbycommit");
        }
        caps.push("source.git");
        let attrs = attrs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        let mut source = Source::raw(format!("git://{identifier}"), attrs);
        source.common = self.common;
        caps.into_iter().fold(source, |s, c| s.cap(c)).build()
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
            local.node().metadata().caps.keys().collect::<Vec<_>>(),
            ["source.local"]
        );
    }
}
