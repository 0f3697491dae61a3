//! Build arguments: the automatic platform args (dockerfile2llb/platform.go `defaultArgs`), the
//! proxy args that go to `ExecOp.meta.proxy_env` instead of the env (convert.go
//! `proxyEnvFromBuildArgs`), and args that never become env (`nonEnvArgs`).

use std::collections::BTreeMap;

use crate::llb::ProxyEnv;

use super::env::EnvList;
use super::platform::Platform;

/// Args that configure the SBOM scanner and are never exported to RUN's env.
pub(crate) const NON_ENV_ARGS: [&str; 2] =
    ["BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"];

/// Whether ARG `key` is kept out of the build state's env.
pub(crate) fn is_non_env_arg(key: &str) -> bool {
    NON_ENV_ARGS.contains(&key)
}

/// The automatic global args, each overridable by a build-arg of the same name. `target` is the
/// selected stage's name (the last stage's name when no target is given; `default` when unnamed).
pub(crate) fn default_args(
    build_platform: &Platform,
    target_platform: &Platform,
    build_args: &BTreeMap<String, String>,
    target: &str,
) -> EnvList {
    let bp = build_platform;
    let tp = target_platform;
    let target = if target.is_empty() { "default" } else { target };
    let defaults: [(&str, String); 11] = [
        ("BUILDPLATFORM", bp.format()),
        ("BUILDOS", bp.os.clone()),
        ("BUILDOSVERSION", bp.os_version.clone()),
        ("BUILDARCH", bp.architecture.clone()),
        ("BUILDVARIANT", bp.variant.clone()),
        ("TARGETPLATFORM", tp.format_all()),
        ("TARGETOS", tp.os.clone()),
        ("TARGETOSVERSION", tp.os_version.clone()),
        ("TARGETARCH", tp.architecture.clone()),
        ("TARGETVARIANT", tp.variant.clone()),
        ("TARGETSTAGE", target.to_string()),
    ];
    let mut env = EnvList::new();
    for (key, value) in defaults {
        let value = build_args.get(key).cloned().unwrap_or(value);
        env.add_or_replace(key, &value);
    }
    env
}

/// The proxy env from build args (`ExecOp.meta.proxy_env`), matched case-insensitively, or
/// `None` when no proxy arg is given. These stay out of the cache key (BuildKit appends them
/// to the env at run time).
pub(crate) fn proxy_env_from_build_args(build_args: &BTreeMap<String, String>) -> Option<ProxyEnv> {
    let mut pe = ProxyEnv::default();
    let mut any = false;
    for (key, value) in build_args {
        let slot = match key.to_ascii_lowercase().as_str() {
            "http_proxy" => &mut pe.http_proxy,
            "https_proxy" => &mut pe.https_proxy,
            "ftp_proxy" => &mut pe.ftp_proxy,
            "no_proxy" => &mut pe.no_proxy,
            "all_proxy" => &mut pe.all_proxy,
            _ => continue,
        };
        *slot = value.clone();
        any = true;
    }
    any.then_some(pe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_args_describe_both_platforms() {
        let bp = Platform::new("linux", "amd64");
        let tp = Platform::parse("linux/arm/v7").unwrap();
        let env = default_args(&bp, &tp, &BTreeMap::new(), "");
        assert_eq!(
            env.to_array().iter().map(|kv| &**kv).collect::<Vec<_>>(),
            vec![
                "BUILDPLATFORM=linux/amd64",
                "BUILDOS=linux",
                "BUILDOSVERSION=",
                "BUILDARCH=amd64",
                "BUILDVARIANT=",
                "TARGETPLATFORM=linux/arm/v7",
                "TARGETOS=linux",
                "TARGETOSVERSION=",
                "TARGETARCH=arm",
                "TARGETVARIANT=v7",
                "TARGETSTAGE=default",
            ]
        );
    }

    #[test]
    fn build_args_override_defaults() {
        let p = Platform::new("linux", "amd64");
        let mut args = BTreeMap::new();
        args.insert("TARGETARCH".to_string(), "riscv64".to_string());
        let env = default_args(&p, &p, &args, "build");
        assert_eq!(env.get("TARGETARCH"), Some("riscv64"));
        assert_eq!(env.get("TARGETSTAGE"), Some("build"));
    }

    #[test]
    fn proxy_args_are_case_insensitive() {
        let mut args = BTreeMap::new();
        assert_eq!(proxy_env_from_build_args(&args), None);
        args.insert("HTTP_PROXY".to_string(), "http://p:3128".to_string());
        args.insert("no_proxy".to_string(), "localhost".to_string());
        let pe = proxy_env_from_build_args(&args).unwrap();
        assert_eq!(pe.http_proxy, "http://p:3128");
        assert_eq!(pe.no_proxy, "localhost");
        assert!(is_non_env_arg("BUILDKIT_SBOM_SCAN_STAGE"));
    }
}
