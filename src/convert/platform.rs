//! Platforms as containerd/platforms (v1.0.0-rc.2, the version BuildKit v0.26.3 pins) parses,
//! normalises and formats them: `linux/arm64/v8`, `linux/arm` -> variant v7, `x86_64` -> amd64.

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

/// A platform string that containerd would reject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to parse platform {specifier:?}: {reason}")]
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
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "arm" => "arm",
            "powerpc64" => "ppc64le",
            "s390x" => "s390x",
            "riscv64" => "riscv64",
            other => other,
        };
        Platform::new("linux", arch).normalize()
    }

    /// containerd `platforms.Parse`: `os[(osversion)][/arch[/variant]]` or a bare arch.
    pub fn parse(specifier: &str) -> Result<Platform, PlatformError> {
        let err = |reason: &str| PlatformError {
            specifier: specifier.to_string(),
            reason: reason.to_string(),
        };
        if specifier.contains('*') {
            return Err(err("wildcards not yet supported"));
        }
        let parts: Vec<&str> = specifier.splitn(4, '/').collect();
        let mut p = Platform::default();
        let (os, os_version) =
            split_os_version(parts[0]).ok_or_else(|| err("invalid OS component"))?;
        p.os = normalize_os(os);
        p.os_version = os_version.to_string();
        for part in &parts[1..] {
            if part.is_empty()
                || !part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
            {
                return Err(err("invalid platform component"));
            }
        }
        match parts.len() {
            1 => {
                if is_known_os(&p.os) {
                    p.architecture = Platform::host().architecture;
                    return Ok(p);
                }
                let (arch, mut variant) = normalize_arch(parts[0], "");
                if arch == "arm" && variant == "v7" {
                    variant.clear();
                }
                if is_known_arch(&arch) {
                    p.architecture = arch;
                    p.variant = variant;
                    p.os = "linux".to_string();
                    p.os_version.clear();
                    return Ok(p);
                }
                Err(err("unknown operating system or architecture"))
            }
            2 => {
                let (arch, mut variant) = normalize_arch(parts[1], "");
                if arch == "arm" && variant == "v7" {
                    variant.clear();
                }
                p.architecture = arch;
                p.variant = variant;
                Ok(p)
            }
            3 => {
                let (arch, mut variant) = normalize_arch(parts[1], parts[2]);
                if arch == "arm64" && variant.is_empty() {
                    variant = "v8".to_string();
                }
                p.architecture = arch;
                p.variant = variant;
                Ok(p)
            }
            _ => Err(err("cannot parse platform specifier")),
        }
    }

    /// containerd `platforms.Normalize`.
    pub fn normalize(mut self) -> Platform {
        self.os = normalize_os(&self.os);
        let (arch, variant) = normalize_arch(&self.architecture, &self.variant);
        self.architecture = arch;
        self.variant = variant;
        self
    }

    /// containerd `platforms.Format`: `os/arch[/variant]`, or `unknown`.
    pub fn format(&self) -> String {
        if self.os.is_empty() {
            return "unknown".to_string();
        }
        join_non_empty(&[&self.os, &self.architecture, &self.variant])
    }

    /// containerd `platforms.FormatAll`: like `format` with `os(osversion)`.
    pub fn format_all(&self) -> String {
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
        pb::Platform {
            architecture: self.architecture.clone(),
            os: self.os.clone(),
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

fn split_os_version(part: &str) -> Option<(&str, &str)> {
    let ok_name = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    if let Some(open) = part.find('(') {
        let rest = part[open + 1..].strip_suffix(')')?;
        let os = &part[..open];
        let ok_version = rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-');
        (ok_name(os) && ok_version).then_some((os, rest))
    } else {
        ok_name(part).then_some((part, ""))
    }
}

fn normalize_os(os: &str) -> String {
    if os.is_empty() {
        return "linux".to_string();
    }
    let os = os.to_ascii_lowercase();
    if os == "macos" {
        "darwin".to_string()
    } else {
        os
    }
}

fn normalize_arch(arch: &str, variant: &str) -> (String, String) {
    let arch = arch.to_ascii_lowercase();
    let variant = variant.to_ascii_lowercase();
    match arch.as_str() {
        "i386" => ("386".into(), String::new()),
        "x86_64" | "x86-64" | "amd64" => (
            "amd64".into(),
            if variant == "v1" {
                String::new()
            } else {
                variant
            },
        ),
        "aarch64" | "arm64" => {
            let variant = match variant.as_str() {
                "8" | "v8" | "v8.0" => String::new(),
                "9" | "9.0" | "v9.0" => "v9".into(),
                _ => variant,
            };
            ("arm64".into(), variant)
        }
        "armhf" => ("arm".into(), "v7".into()),
        "armel" => ("arm".into(), "v6".into()),
        "arm" => {
            let variant = match variant.as_str() {
                "" | "7" => "v7".into(),
                "5" | "6" | "8" => format!("v{variant}"),
                _ => variant,
            };
            ("arm".into(), variant)
        }
        _ => (arch, variant),
    }
}

fn is_known_os(os: &str) -> bool {
    matches!(
        os,
        "aix"
            | "android"
            | "darwin"
            | "dragonfly"
            | "freebsd"
            | "hurd"
            | "illumos"
            | "ios"
            | "js"
            | "linux"
            | "nacl"
            | "netbsd"
            | "openbsd"
            | "plan9"
            | "solaris"
            | "windows"
            | "zos"
    )
}

fn is_known_arch(arch: &str) -> bool {
    matches!(
        arch,
        "386"
            | "amd64"
            | "amd64p32"
            | "arm"
            | "armbe"
            | "arm64"
            | "arm64be"
            | "ppc64"
            | "ppc64le"
            | "loong64"
            | "mips"
            | "mipsle"
            | "mips64"
            | "mips64le"
            | "mips64p32"
            | "mips64p32le"
            | "ppc"
            | "riscv"
            | "riscv64"
            | "s390"
            | "s390x"
            | "sparc"
            | "sparc64"
            | "wasm"
    )
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
