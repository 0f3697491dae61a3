//! BuildKit's util/gitutil `ParseURL` (with util/sshutil's scp-like form): what a git remote is
//! made of. client/llb's `Git` builds the `git://` identifier from it, and the Dockerfile
//! frontend's git refs start from it, so both must split a remote exactly as BuildKit does.

use crate::go::path::join_path;
use crate::go::url::{self, Url, Values};

pub(crate) const HTTP: &str = "http";
pub(crate) const HTTPS: &str = "https";
pub(crate) const SSH: &str = "ssh";
pub(crate) const GIT: &str = "git";

/// `gitutil.GitURL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GitUrl {
    pub scheme: String,
    /// `host[:port]`.
    pub host: String,
    pub path: String,
    /// The query's values; empty when it had none.
    pub query: Values,
    /// The fragment's `ref[:subdir]`, the subdir cleaned; `None` without a fragment.
    pub opts: Option<GitUrlOpts>,
    /// The remote without fragment and query, as the git CLI gets it.
    pub remote: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GitUrlOpts {
    pub git_ref: String,
    pub subdir: String,
}

/// Why [`parse_url`] failed; `Display` gives gitutil's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GitUrlError {
    /// Neither `<proto>://` nor scp-like (`ErrUnknownProtocol`).
    UnknownProtocol,
    /// A `<proto>://` other than http, https, ssh, git.
    InvalidProtocol(String),
    /// `url.Parse`'s error.
    Url(String),
}

impl std::fmt::Display for GitUrlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GitUrlError::UnknownProtocol => f.write_str("unknown protocol"),
            GitUrlError::InvalidProtocol(p) => write!(f, "{p}: invalid protocol"),
            GitUrlError::Url(e) => f.write_str(e),
        }
    }
}

/// `parseOpts`: `ref[:subdir]`, the subdir as `path.Join("/", subdir)` without the leading `/`.
fn parse_opts(fragment: &str) -> Option<GitUrlOpts> {
    if fragment.is_empty() {
        return None;
    }
    let (git_ref, subdir) = fragment.split_once(':').unwrap_or((fragment, ""));
    Some(GitUrlOpts {
        git_ref: git_ref.to_string(),
        subdir: join_path("/", subdir).trim_start_matches('/').to_string(),
    })
}

/// `gitutil.ParseURL`.
pub(crate) fn parse_url(remote: &str) -> Result<GitUrl, GitUrlError> {
    // protoRegexp `^[a-zA-Z0-9]+://`.
    let alnum = remote.bytes().take_while(u8::is_ascii_alphanumeric).count();
    if alnum > 0 && remote[alnum..].starts_with("://") {
        let proto = remote[..alnum].to_ascii_lowercase();
        if ![HTTP, HTTPS, SSH, GIT].contains(&proto.as_str()) {
            return Err(GitUrlError::InvalidProtocol(proto));
        }
        let u = url::parse(remote).map_err(GitUrlError::Url)?;
        return Ok(from_url(&u));
    }
    scp_style(remote).ok_or(GitUrlError::UnknownProtocol)
}

/// `gitutil.FromURL`.
pub(crate) fn from_url(u: &Url) -> GitUrl {
    let without_opts = Url {
        fragment: String::new(),
        raw_query: String::new(),
        ..u.clone()
    };
    GitUrl {
        scheme: u.scheme.clone(),
        host: u.host.clone(),
        path: u.path.clone(),
        query: u.query(),
        opts: parse_opts(&u.fragment),
        remote: without_opts.to_string(),
    }
}

/// sshutil `ParseSCPStyleURL` then gitutil `fromSCPStyleURL`, for
/// `^([a-zA-Z0-9-_]+)@([a-zA-Z0-9-.]+):(.*?)(?:\?(.*?))?(?:#(.*))?$`: the path ends at the
/// first `?` or `#`, the query at the next `#`, and `.` never matches a newline. A query that
/// does not parse makes it no scp-like URL at all.
fn scp_style(raw: &str) -> Option<GitUrl> {
    let (user, rest) = raw.split_once('@')?;
    let (host, rest) = rest.split_once(':')?;
    let user_ok = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
    let host_ok = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b'.';
    if user.is_empty()
        || host.is_empty()
        || !user.bytes().all(user_ok)
        || !host.bytes().all(host_ok)
        || rest.contains('\n')
    {
        return None;
    }
    let (path, rest) = match rest.find(['?', '#']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (raw_query, fragment) = match rest.strip_prefix('?') {
        Some(q) => q.split_once('#').unwrap_or((q, "")),
        None => ("", rest.strip_prefix('#').unwrap_or("")),
    };
    let query = if raw_query.is_empty() {
        Values::new()
    } else {
        match url::parse_query(raw_query) {
            (values, None) => values,
            (_, Some(_)) => return None,
        }
    };
    Some(GitUrl {
        scheme: SSH.to_string(),
        host: host.to_string(),
        path: path.to_string(),
        query,
        opts: parse_opts(fragment),
        // The user is only [a-zA-Z0-9_-], which `Userinfo.String` leaves as it is.
        remote: format!("{user}@{host}:{path}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scp_like_remotes_split_at_the_first_query_or_fragment() {
        let u = parse_url("git@github.com:moby/buildkit.git?ref=v1#main:a/../b").unwrap();
        assert_eq!(u.scheme, "ssh");
        assert_eq!(u.host, "github.com");
        assert_eq!(u.path, "moby/buildkit.git");
        assert_eq!(u.query["ref"], ["v1"]);
        assert_eq!(
            u.opts,
            Some(GitUrlOpts {
                git_ref: "main".into(),
                subdir: "b".into()
            })
        );
        assert_eq!(u.remote, "git@github.com:moby/buildkit.git");
        assert_eq!(
            parse_url("git@github.com:a.git?x=%zz"),
            Err(GitUrlError::UnknownProtocol)
        );
        assert_eq!(
            parse_url("ftp://h/a.git").unwrap_err().to_string(),
            "ftp: invalid protocol"
        );
    }
}
