//! Image references as distribution/reference v0.6.0 normalises them (`ParseNormalizedNamed`,
//! `TagNameOnly`, `WithDigest`): `busybox` -> `docker.io/library/busybox:latest`,
//! `index.docker.io/x/y` -> `docker.io/x/y:latest`, `localhost:5000/a@sha256:..` kept as is.

use std::fmt;

/// A parsed, normalised image reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    /// Registry host with optional port (`docker.io`, `localhost:5000`).
    pub domain: String,
    /// Repository path (`library/busybox`).
    pub path: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

/// Why a reference does not parse; the messages are distribution/reference's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefError {
    #[error("invalid reference format")]
    InvalidFormat,
    #[error("invalid reference format: repository name ({0}) must be lowercase")]
    NotLowercase(String),
    #[error("invalid reference format: repository name must be lowercase")]
    ContainsUppercase,
    #[error("invalid repository name ({0}), cannot specify 64-byte hexadecimal strings")]
    Identifier(String),
    #[error("repository name must not be more than 255 characters")]
    NameTooLong,
    #[error("repository name must have at least one component")]
    NameEmpty,
    #[error("invalid checksum digest format")]
    DigestInvalid,
    #[error("unsupported digest algorithm")]
    DigestUnsupported,
    #[error("invalid checksum digest length")]
    DigestInvalidLength,
}

const DEFAULT_DOMAIN: &str = "docker.io";
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
const OFFICIAL_REPO_PREFIX: &str = "library/";

impl ImageRef {
    /// `reference.ParseNormalizedNamed`.
    pub(crate) fn parse_normalized(s: &str) -> Result<ImageRef, RefError> {
        if s.len() == 64 && s.bytes().all(|b| matches!(b, b'a'..=b'f' | b'0'..=b'9')) {
            return Err(RefError::Identifier(s.to_string()));
        }
        let (domain, remainder) = split_docker_domain(s);
        let remote = remainder
            .split_once(':')
            .map(|(r, _)| r)
            .unwrap_or(&remainder);
        if remote.to_lowercase() != remote {
            return Err(RefError::NotLowercase(remote.to_string()));
        }
        parse_full(&format!("{domain}/{remainder}"))
    }

    /// `reference.TagNameOnly`: add `:latest` when there is neither tag nor digest.
    pub(crate) fn tag_name_only(mut self) -> ImageRef {
        if self.tag.is_none() && self.digest.is_none() {
            self.tag = Some("latest".to_string());
        }
        self
    }

    /// `reference.WithDigest`: pin to a digest, keeping the tag.
    pub(crate) fn with_digest(mut self, digest: &str) -> Result<ImageRef, RefError> {
        validate_digest(digest)?;
        self.digest = Some(digest.to_string());
        Ok(self)
    }

    /// `reference.FamiliarString`: without `docker.io/`, and without `library/` for an
    /// official image.
    pub(crate) fn familiar(&self) -> String {
        let mut out = if self.domain == DEFAULT_DOMAIN {
            match self.path.strip_prefix(OFFICIAL_REPO_PREFIX) {
                Some(rest) if !rest.contains('/') => rest.to_string(),
                _ => self.path.clone(),
            }
        } else {
            self.name()
        };
        if let Some(tag) = &self.tag {
            out.push(':');
            out.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            out.push('@');
            out.push_str(digest);
        }
        out
    }

    /// `domain/path`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.domain, self.path)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// Normalise and add `:latest`: the form the reference puts in `docker-image://` identifiers.
pub fn normalize_image_name(s: &str) -> Result<ImageRef, RefError> {
    Ok(ImageRef::parse_normalized(s)?.tag_name_only())
}

fn split_docker_domain(name: &str) -> (String, String) {
    let Some((maybe_domain, maybe_remote)) = name.split_once('/') else {
        return (
            DEFAULT_DOMAIN.to_string(),
            format!("{OFFICIAL_REPO_PREFIX}{name}"),
        );
    };
    let (domain, remote) = if maybe_domain == "localhost" {
        (maybe_domain, maybe_remote)
    } else if maybe_domain == LEGACY_DEFAULT_DOMAIN {
        (DEFAULT_DOMAIN, maybe_remote)
    } else if maybe_domain.contains(['.', ':']) || maybe_domain.to_lowercase() != maybe_domain {
        (maybe_domain, maybe_remote)
    } else {
        (DEFAULT_DOMAIN, name)
    };
    let remote = if domain == DEFAULT_DOMAIN && !remote.contains('/') {
        format!("{OFFICIAL_REPO_PREFIX}{remote}")
    } else {
        remote.to_string()
    };
    (domain.to_string(), remote)
}

/// `reference.Parse` on an already domain-qualified string.
fn parse_full(s: &str) -> Result<ImageRef, RefError> {
    if s.is_empty() {
        return Err(RefError::NameEmpty);
    }
    let result = match_reference(s);
    let Some((name, tag, digest)) = result else {
        if match_reference(&s.to_lowercase()).is_some() {
            return Err(RefError::ContainsUppercase);
        }
        return Err(RefError::InvalidFormat);
    };
    let (domain, path) = name.split_once('/').ok_or(RefError::InvalidFormat)?;
    if path.len() > 255 {
        return Err(RefError::NameTooLong);
    }
    if let Some(d) = digest {
        validate_digest(d)?;
    }
    Ok(ImageRef {
        domain: domain.to_string(),
        path: path.to_string(),
        tag: tag.map(str::to_string),
        digest: digest.map(str::to_string),
    })
}

/// `ReferenceRegexp`: `name[:tag][@digest]` where name is `domain/path` here.
fn match_reference(s: &str) -> Option<(&str, Option<&str>, Option<&str>)> {
    let (rest, digest) = match s.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (s, None),
    };
    if let Some(d) = digest {
        if !is_digest_pattern(d) {
            return None;
        }
    }
    // The tag separator is the last ':' after the last '/'.
    let last_slash = rest.rfind('/').unwrap_or(0);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(t) = tag {
        if !is_tag(t) {
            return None;
        }
    }
    let (domain, path) = name.split_once('/')?;
    if !is_domain_and_port(domain) || !path.split('/').all(is_path_component) {
        return None;
    }
    Some((name, tag, digest))
}

fn is_tag(t: &str) -> bool {
    let b = t.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b[1..]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn is_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    let mut i = 0;
    let mut first = true;
    while i < b.len() {
        if !first {
            // separator
            let start = i;
            if b[i] == b'.' {
                i += 1;
            } else if b[i] == b'_' {
                i += 1;
                if i < b.len() && b[i] == b'_' {
                    i += 1;
                }
            } else if b[i] == b'-' {
                while i < b.len() && b[i] == b'-' {
                    i += 1;
                }
            }
            if i == start {
                return false;
            }
        }
        let start = i;
        while i < b.len() && alnum(b[i]) {
            i += 1;
        }
        if i == start {
            return false;
        }
        first = false;
    }
    !first
}

fn is_domain_and_port(d: &str) -> bool {
    let (host_ok, port) = if let Some(inner) = d.strip_prefix('[') {
        let Some((addr, port)) = inner.split_once(']') else {
            return false;
        };
        (
            !addr.is_empty() && addr.bytes().all(|b| b.is_ascii_hexdigit() || b == b':'),
            port,
        )
    } else {
        let (host, port) = match d.find(':') {
            Some(i) => (&d[..i], &d[i..]),
            None => (d, ""),
        };
        let component_ok = |c: &str| {
            let b = c.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter().all(|&x| x.is_ascii_alphanumeric() || x == b'-')
        };
        (host.split('.').all(component_ok), port)
    };
    if !host_ok {
        return false;
    }
    match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(digits) => !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()),
    }
}

/// `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}`
fn is_digest_pattern(d: &str) -> bool {
    let Some((alg, hex)) = d.split_once(':') else {
        return false;
    };
    if hex.len() < 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return false;
    }
    alg.split(['-', '_', '+', '.']).all(|part| {
        let b = part.as_bytes();
        !b.is_empty() && b[0].is_ascii_alphabetic() && b.iter().all(|x| x.is_ascii_alphanumeric())
    })
}

/// go-digest `Parse`/`Validate` for the registered algorithms.
fn validate_digest(d: &str) -> Result<(), RefError> {
    if !is_digest_pattern(d) {
        return Err(RefError::DigestInvalid);
    }
    let (alg, hex) = d.split_once(':').ok_or(RefError::DigestInvalid)?;
    let want = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return Err(RefError::DigestUnsupported),
    };
    if hex.len() != want || !hex.bytes().all(|b| matches!(b, b'a'..=b'f' | b'0'..=b'9')) {
        return Err(RefError::DigestInvalid);
    }
    Ok(())
}

/// go-digest `Parse` of a digest given on its own (ADD `--checksum`), where the reference's
/// grammar has not already been matched as in [`validate_digest`].
pub(crate) fn parse_digest(d: &str) -> Result<(), RefError> {
    let Some((alg, hex)) = d
        .split_once(':')
        .filter(|(a, h)| !a.is_empty() && !h.is_empty())
    else {
        return Err(RefError::DigestInvalid);
    };
    let want = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => {
            // `DigestRegexpAnchored`: `[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+`.
            let lower = |p: &str| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            };
            let encoded = hex
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'));
            return Err(if alg.split(['.', '+', '_', '-']).all(lower) && encoded {
                RefError::DigestUnsupported
            } else {
                RefError::DigestInvalid
            });
        }
    };
    if hex.len() != want {
        return Err(RefError::DigestInvalidLength);
    }
    if !hex.bytes().all(|b| matches!(b, b'a'..=b'f' | b'0'..=b'9')) {
        return Err(RefError::DigestInvalid);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        normalize_image_name(s).unwrap().to_string()
    }

    #[test]
    fn normalises_like_distribution_reference() {
        assert_eq!(norm("busybox"), "docker.io/library/busybox:latest");
        assert_eq!(
            norm("debian:bookworm-slim"),
            "docker.io/library/debian:bookworm-slim"
        );
        assert_eq!(norm("myorg/app"), "docker.io/myorg/app:latest");
        assert_eq!(norm("index.docker.io/myorg/app:1"), "docker.io/myorg/app:1");
        assert_eq!(
            norm("index.docker.io/alpine"),
            "docker.io/library/alpine:latest"
        );
        assert_eq!(norm("localhost:5000/app"), "localhost:5000/app:latest");
        assert_eq!(norm("localhost/app:v1"), "localhost/app:v1");
        assert_eq!(norm("ghcr.io/a/b/c:1.2"), "ghcr.io/a/b/c:1.2");
        assert_eq!(norm("[::1]:5000/app"), "[::1]:5000/app:latest");
        let d = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            norm(&format!("alpine@{d}")),
            format!("docker.io/library/alpine@{d}")
        );
        assert_eq!(
            norm(&format!("alpine:3.20@{d}")),
            format!("docker.io/library/alpine:3.20@{d}")
        );
    }

    #[test]
    fn rejects_bad_references() {
        assert_eq!(
            ImageRef::parse_normalized("Alpine")
                .unwrap_err()
                .to_string(),
            "invalid reference format: repository name (library/Alpine) must be lowercase"
        );
        assert!(ImageRef::parse_normalized("alpine:").is_err());
        assert!(ImageRef::parse_normalized("a b").is_err());
        assert!(ImageRef::parse_normalized("").is_err());
        assert!(ImageRef::parse_normalized(&"a".repeat(64)).is_err());
        assert!(ImageRef::parse_normalized("alpine@sha256:abc").is_err());
        assert!(ImageRef::parse_normalized("a__b_c--d.e").is_ok());
        assert!(ImageRef::parse_normalized("a___b").is_err());
    }

    #[test]
    fn pins_digest_keeping_tag() {
        let d = format!("sha256:{}", "b".repeat(64));
        let r = normalize_image_name("debian:bookworm-slim")
            .unwrap()
            .with_digest(&d)
            .unwrap();
        assert_eq!(
            r.to_string(),
            format!("docker.io/library/debian:bookworm-slim@{d}")
        );
        assert!(normalize_image_name("x")
            .unwrap()
            .with_digest("sha256:zz")
            .is_err());
    }
}
