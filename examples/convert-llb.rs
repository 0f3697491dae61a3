//! Convert a Dockerfile to LLB offline, for benchmarks: `convert-llb <Dockerfile> [out.pb]`.
//!
//! Base images are answered from a synthetic table (a one-layer linux image per reference), so
//! no registry is needed. Writes the marshalled `pb.Definition` to `out.pb` (or discards it) and
//! prints op count, definition size and timings to stderr.

use std::time::Instant;

use anyhow::{Context, Result};
use dockerfile_llb::convert::{
    self, BuildOptions, ConvertOptions, Platform, ResolvedImage, ResolvedImages,
};
use dockerfile_llb::instructions::parse_dockerfile;
use prost::Message;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .context("usage: convert-llb <Dockerfile> [out.pb]")?;
    let out = args.next();
    let source = std::fs::read(&path).with_context(|| format!("reading {path}"))?;

    let start = Instant::now();
    let df =
        parse_dockerfile(&source, &path).map_err(|d| anyhow::anyhow!("{}", d.render(&source)))?;
    let parsed = start.elapsed();

    let opts = ConvertOptions {
        build: BuildOptions {
            build_platform: Platform::new("linux", "amd64"),
            ..BuildOptions::default()
        },
        session_id: "bench-session".to_string(),
        filename: path.clone(),
        source: source.clone(),
        ..ConvertOptions::default()
    };
    let mut images = ResolvedImages::new();
    let requests = convert::plan(&df, &opts, &images)?.requests().to_vec();
    for r in &requests {
        let config = format!(
            r#"{{"architecture":"{}","os":"{}","config":{{"Env":["PATH=/usr/bin:/bin"]}},"rootfs":{{"type":"layers","diff_ids":["sha256:{}"]}}}}"#,
            r.platform.architecture,
            r.platform.os,
            "0".repeat(64)
        );
        images.insert(
            r,
            ResolvedImage {
                digest: Some(format!("sha256:{}", "1".repeat(64))),
                config: config.into_bytes(),
                reference: None,
            },
        );
    }
    let converted = convert::convert(&df, &opts, &images)?;
    let converted_at = start.elapsed();
    let bytes = converted.definition.encode_to_vec();
    let total = start.elapsed();

    if let Some(out) = out {
        std::fs::write(&out, &bytes).with_context(|| format!("writing {out}"))?;
    }
    eprintln!(
        "instructions={} ops={} definition_bytes={} config_bytes={} parse_ms={:.1} convert_ms={:.1} total_ms={:.1}",
        df.stages.iter().map(|s| s.commands.len() + 1).sum::<usize>(),
        converted.definition.def.len(),
        bytes.len(),
        converted.image_config.to_json().len(),
        parsed.as_secs_f64() * 1e3,
        (converted_at - parsed).as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3,
    );
    Ok(())
}
