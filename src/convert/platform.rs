//! Platforms as containerd/platforms (v1.0.0-rc.2, the version BuildKit v0.26.3 pinned; the
//! new pin's rc.5 changes are row L6 of docs/reference-changes.md) parses, normalises and
//! formats them: `linux/arm64/v8`, `linux/arm` -> variant v7, `x86_64` -> amd64.

use crate::llb;
use crate::proto::pb;

/// An OCI platform (`ocispecs.Platform`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: String,
    pub os_version: String,
    pub os_features: Option<Vec<String>>,
}

/// A platform string that containerd would reject, displayed as containerd's error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct PlatformError {
    pub specifier: String,
    pub reason: String,
}

impl Platform {
    pub fn new(os: &str, architecture: &str) -> Platform {
        Platform {
            os: os.to_string(),
            architecture: architecture.to_string(),
            ..Platform::default()
        }
    }

    /// The platform this frontend runs on, used when BuildKit tells us nothing
    /// (containerd `DefaultSpec`, normalised).
    pub fn host() -> Platform {
        Platform::from_llb(llb::Platform::host())
    }

    /// containerd `platforms.Parse`: `os[(osversion)][/arch[/variant]]` or a bare arch.
    pub fn parse(specifier: &str) -> Result<Platform, PlatformError> {
        llb::Platform::parse_with_reason(specifier)
            .map(Platform::from_llb)
            .map_err(|reason| PlatformError {
                specifier: specifier.to_string(),
                reason,
            })
    }

    /// containerd `platforms.Normalize`.
    pub fn normalize(self) -> Platform {
        // containerd's Normalize fills an empty OS with the host's, linux here; the LLB
        // layer's normalize leaves it empty.
        let os = if self.os.is_empty() {
            "linux"
        } else {
            self.os.as_str()
        };
        let canonical = llb::Platform::new(os, self.architecture.as_str())
            .with_variant(self.variant.as_str())
            .normalize();
        Platform {
            os: canonical.os,
            architecture: canonical.architecture,
            variant: canonical.variant,
            ..self
        }
    }

    /// The LLB layer's platform does the parsing and normalising; it has no "absent" OS
    /// features, which the image config keeps apart from an empty list.
    fn from_llb(p: llb::Platform) -> Platform {
        Platform {
            os: p.os,
            architecture: p.architecture,
            variant: p.variant,
            os_version: p.os_version,
            os_features: (!p.os_features.is_empty()).then_some(p.os_features),
        }
    }

    /// containerd `platforms.Format`: `os/arch[/variant]`, or `unknown`.
    pub fn format(&self) -> String {
        if self.os.is_empty() {
            return "unknown".to_string();
        }
        join_non_empty(&[&self.os, &self.architecture, &self.variant])
    }

    /// containerd `platforms.FormatAll`: like `format` with `os(osversion)`.
    pub(crate) fn format_all(&self) -> String {
        if self.os.is_empty() {
            return "unknown".to_string();
        }
        if self.os_version.is_empty() {
            return self.format();
        }
        let os = format!("{}({})", self.os, self.os_version);
        join_non_empty(&[&os, &self.architecture, &self.variant])
    }

    /// The LLB `pb.Platform` of this platform.
    pub fn to_pb(&self) -> pb::Platform {
        self.to_llb().to_pb()
    }

    /// The platform the LLB builder writes on ops.
    pub(crate) fn to_llb(&self) -> llb::Platform {
        llb::Platform {
            os: self.os.clone(),
            architecture: self.architecture.clone(),
            variant: self.variant.clone(),
            os_version: self.os_version.clone(),
            os_features: self.os_features.clone().unwrap_or_default(),
        }
    }
}

/// Go's `path.Join` of the non-empty parts (no part here contains a slash).
fn join_non_empty(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises_like_containerd() {
        let p = Platform::parse("linux/amd64").unwrap();
        assert_eq!(
            (p.os.as_str(), p.architecture.as_str(), p.variant.as_str()),
            ("linux", "amd64", "")
        );
        assert_eq!(
            Platform::parse("linux/arm64/v8").unwrap().format(),
            "linux/arm64/v8"
        );
        assert_eq!(
            Platform::parse("linux/arm64").unwrap().format(),
            "linux/arm64"
        );
        assert_eq!(Platform::parse("linux/arm").unwrap().format(), "linux/arm");
        assert_eq!(
            Platform::parse("linux/arm/v7").unwrap().format(),
            "linux/arm/v7"
        );
        assert_eq!(
            Platform::parse("linux/x86_64").unwrap().format(),
            "linux/amd64"
        );
        assert_eq!(
            Platform::parse("Linux/AMD64").unwrap().format(),
            "linux/amd64"
        );
        assert_eq!(
            Platform::parse("windows(10.0.17763)/amd64")
                .unwrap()
                .format_all(),
            "windows(10.0.17763)/amd64"
        );
        assert_eq!(Platform::parse("arm64").unwrap().format(), "linux/arm64");
        assert!(Platform::parse("linux/*").is_err());
        assert!(Platform::parse("linux/amd64/v1/x").is_err());
        assert!(Platform::parse("foo").is_err());
    }

    #[test]
    fn parse_errors_name_containerds_reason() {
        let reason = |s: &str| Platform::parse(s).unwrap_err().reason;
        // containerd/platforms v1.0.0-rc.2 `Parse`, word for word.
        assert_eq!(
            reason("linux/*"),
            r#""linux/*": wildcards not yet supported: invalid argument"#
        );
        assert_eq!(
            reason("lin.ux/amd64"),
            r#""lin.ux" is an invalid OS component of "lin.ux/amd64": OSAndVersion specifier component must match "^([A-Za-z0-9_-]+)(?:\\(([A-Za-z0-9_.-]*)\\))?$": invalid argument"#
        );
        assert!(reason("linux(10/amd64").contains("is an invalid OS component of"));
        assert_eq!(
            reason("linux/"),
            r#""" is an invalid component of "linux/": platform specifier component must match "^[A-Za-z0-9_.-]+$": invalid argument"#
        );
        assert_eq!(
            reason("foo"),
            r#""foo": unknown operating system or architecture: invalid argument"#
        );
        assert_eq!(
            reason("linux/amd64/v1/x"),
            r#""linux/amd64/v1/x": cannot parse platform specifier: invalid argument"#
        );
    }

    #[test]
    fn normalize_adds_arm_variant() {
        assert_eq!(Platform::new("linux", "arm").normalize().variant, "v7");
        assert_eq!(
            Platform::new("linux", "aarch64").normalize().architecture,
            "arm64"
        );
    }
}
