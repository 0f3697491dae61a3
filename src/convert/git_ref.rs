//! Git refs as the Dockerfile frontend reads them (frontend/dockerfile/dfgitutil `ParseGitRef`):
//! which sources are git repositories, and the ref, subdir, checksum and switches a URL carries
//! in its fragment (`#ref:subdir`) and query (`?ref=…&subdir=…&keep-git-dir`).

use crate::go::parse_bool;
use crate::go::quote;
use crate::go::url;
use crate::llb::git_url::{self, GitUrlError};

/// `dfgitutil.GitRef`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitRef {
    /// The repository as git gets it, without fragment and query (for `github.com/…`, without
    /// the `https://` it was read with).
    pub remote: String,
    /// The last element of the remote, without `.git`.
    pub short_name: String,
    /// Commit, tag or branch; may be empty.
    pub git_ref: String,
    /// The commit the ref must resolve to.
    pub checksum: String,
    /// A directory in the repository; may be empty.
    pub subdir: String,
    /// `github.com/…`: read as a git ref only for build contexts, a local path elsewhere.
    pub indistinguishable_from_local: bool,
    /// `git://` or `http://`.
    pub unencrypted_tcp: bool,
    pub keep_git_dir: Option<bool>,
    pub submodules: Option<bool>,
    /// `checkout` or `commit`; empty when not given.
    pub mtime: String,
    pub fetch_by_commit: bool,
}

/// Why [`parse_git_ref`] failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitRefError {
    /// Not a git ref (`isGit` false): the source is something else, a local path or a URL.
    NotGit(String),
    /// A git ref whose query is wrong (`isGit` true): the build fails with this.
    Invalid(String),
}

/// `ParseGitRef`.
pub fn parse_git_ref(s: &str) -> Result<GitRef, GitRefError> {
    let not_git = GitRefError::NotGit;
    let mut res = GitRef::default();
    let remote = if s.starts_with("./") || s.starts_with("../") {
        return Err(not_git("invalid argument".to_string()));
    } else if s.starts_with("github.com/") {
        res.indistinguishable_from_local = true;
        let mut u = url::parse(s).map_err(not_git)?;
        u.scheme = git_url::HTTPS.to_string();
        git_url::from_url(&u)
    } else {
        let remote = git_url::parse_url(s).map_err(|e: GitUrlError| not_git(e.to_string()))?;
        res.unencrypted_tcp = remote.scheme == git_url::HTTP || remote.scheme == git_url::GIT;
        // An HTTP(S) URL is a git repository only with the `.git` suffix.
        if (remote.scheme == git_url::HTTP || remote.scheme == git_url::HTTPS)
            && !remote.path.ends_with(".git")
        {
            return Err(not_git("invalid argument".to_string()));
        }
        remote
    };
    res.remote = if res.indistinguishable_from_local {
        remote
            .remote
            .split_once("://")
            .map_or(String::new(), |(_, r)| r.to_string())
    } else {
        remote.remote.clone()
    };
    if let Some(opts) = &remote.opts {
        res.git_ref = opts.git_ref.clone();
        res.subdir = opts.subdir.clone();
    }
    let last = res.remote.rsplit('/').next().unwrap_or("");
    res.short_name = last.strip_suffix(".git").unwrap_or(last).to_string();
    res.load_query(&remote.query)
        .map_err(GitRefError::Invalid)?;
    Ok(res)
}

impl GitRef {
    /// `loadQuery`. Go visits the keys in random order, so which of two wrong keys it names
    /// varies; this visits them sorted.
    fn load_query(&mut self, query: &url::Values) -> Result<(), String> {
        let (mut tag, mut branch) = (String::new(), String::new());
        let flag = |key: &str, value: Option<&String>| -> Result<bool, String> {
            match value {
                None => Ok(true),
                Some(v) => {
                    parse_bool(v).ok_or_else(|| format!("invalid {key} value: {}", quote(v)))
                }
            }
        };
        for (key, values) in query {
            let value = match values.as_slice() {
                [] => None,
                [v] if v.is_empty() => None,
                [v] => Some(v),
                _ => return Err(format!("query {} has multiple values", quote(key))),
            };
            // Only the switches may be given bare.
            let required = || value.ok_or_else(|| format!("query {} has no value", quote(key)));
            if value.is_none()
                && !matches!(
                    key.as_str(),
                    "submodules" | "keep-git-dir" | "fetch-by-commit"
                )
            {
                required()?;
            }
            match key.as_str() {
                "ref" => {
                    let v = required()?;
                    if !self.git_ref.is_empty() && self.git_ref != *v {
                        return Err(format!(
                            "ref conflicts: {} vs {}",
                            quote(&self.git_ref),
                            quote(v)
                        ));
                    }
                    self.git_ref = v.clone();
                }
                "tag" => tag = required()?.clone(),
                "branch" => branch = required()?.clone(),
                "subdir" => {
                    // The fragment's subdir is cleaned and the query's is not, as in Go.
                    let v = required()?;
                    if !self.subdir.is_empty() && self.subdir != *v {
                        return Err(format!(
                            "subdir conflicts: {} vs {}",
                            quote(&self.subdir),
                            quote(v)
                        ));
                    }
                    self.subdir = v.clone();
                }
                "checksum" | "commit" => self.checksum = required()?.clone(),
                "keep-git-dir" => self.keep_git_dir = Some(flag(key, value)?),
                "submodules" => self.submodules = Some(flag(key, value)?),
                "mtime" => {
                    let v = required()?;
                    if v != "checkout" && v != "commit" {
                        return Err(format!(
                            "invalid mtime value: {} (must be \"checkout\" or \"commit\")",
                            quote(v)
                        ));
                    }
                    self.mtime = v.clone();
                }
                "fetch-by-commit" => self.fetch_by_commit = flag(key, value)?,
                _ => return Err(format!("unexpected query {}", quote(key))),
            }
        }
        if !tag.is_empty() {
            if !tag.starts_with("refs/tags/") {
                tag = format!("refs/tags/{tag}");
            }
            if !self.git_ref.is_empty() && self.git_ref != tag {
                return Err(format!(
                    "ref conflicts: {} vs {}",
                    quote(&self.git_ref),
                    quote(&tag)
                ));
            }
            self.git_ref = tag.clone();
        }
        if !branch.is_empty() {
            if !tag.is_empty() {
                return Err("branch conflicts with tag".to_string());
            }
            if !branch.starts_with("refs/heads/") {
                branch = format!("refs/heads/{branch}");
            }
            if !self.git_ref.is_empty() && self.git_ref != branch {
                return Err(format!(
                    "ref conflicts: {} vs {}",
                    quote(&self.git_ref),
                    quote(&branch)
                ));
            }
            self.git_ref = branch;
        }
        Ok(())
    }
}

/// `isGitSource`: a source that parses as a git ref (`github.com/…` included).
pub(crate) fn is_git_source(src: &str) -> bool {
    parse_git_ref(src).is_ok()
}

/// `isHTTPSource`: an http(s) URL that is not a git repository.
pub(crate) fn is_http_source(src: &str) -> bool {
    (src.starts_with("http://") || src.starts_with("https://")) && !is_git_source(src)
}
