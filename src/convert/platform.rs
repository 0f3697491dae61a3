//! Platforms as containerd/platforms (v1.0.0-rc.5, the version BuildKit v0.34.2 pins; checked
//! against it by tests/go_text.rs) parses, normalises and formats them: `linux/arm64/v8`,
//! `linux/arm` -> variant v7, `x86_64` -> amd64, `windows(10.0+win32k)` with OS features.

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
        let os_features = self.os_features.map(|mut f| {
            f.sort();
            f.dedup();
            f
        });
        Platform {
            os: canonical.os,
            architecture: canonical.architecture,
            variant: canonical.variant,
            os_features,
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

    /// containerd `platforms.FormatAll`: like `format` with `os(osversion+feature+...)`, the
    /// features sorted, without empty or repeated ones, values %-encoded.
    pub fn format_all(&self) -> String {
        if self.os.is_empty() {
            return "unknown".to_string();
        }
        let mut features: Vec<&str> = self
            .os_features
            .iter()
            .flatten()
            .map(String::as_str)
            .filter(|f| !f.is_empty())
            .collect();
        features.sort_unstable();
        features.dedup();
        if self.os_version.is_empty() && features.is_empty() {
            return self.format();
        }
        let encode = |v: &str| {
            v.replace('%', "%25")
                .replace('+', "%2B")
                .replace('(', "%28")
                .replace(')', "%29")
                .replace('/', "%2F")
        };
        let mut options = encode(&self.os_version);
        for f in features {
            options.push('+');
            options.push_str(&encode(f));
        }
        let os = format!("{}({options})", self.os);
        join_non_empty(&[&os, &self.architecture, &self.variant])
    }

    /// The LLB `pb.Platform` of this platform.
    pub fn to_pb(&self) -> pb::Platform {
        self.to_llb().to_pb()
    }

    /// The platform the LLB builder writes on ops.
    pub(crate) fn into_llb(self) -> llb::Platform {
        llb::Platform {
            os: self.os,
            architecture: self.architecture,
            variant: self.variant,
            os_version: self.os_version,
            os_features: self.os_features.unwrap_or_default(),
        }
    }

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
    fn normalize_adds_arm_variant() {
        assert_eq!(Platform::new("linux", "arm").normalize().variant, "v7");
        assert_eq!(
            Platform::new("linux", "aarch64").normalize().architecture,
            "arm64"
        );
    }
}
