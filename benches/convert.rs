//! Criterion benchmark of the converter on the generated multi-stage Dockerfiles of
//! benches/gen_dockerfile.py (10 and 40 stages of 100 instructions, chained by FROM and
//! COPY --from). Measures parse + plan + convert + marshal, the work the frontend does per build.

use std::path::Path;
use std::process::Command;

use criterion::{criterion_group, criterion_main, Criterion};
use dockerfile_llb::convert::{self, BuildOptions, ConvertOptions, Platform, ResolvedImages};
use dockerfile_llb::instructions::parse_dockerfile;
use prost::Message;

/// The output of benches/gen_dockerfile.py (python3 is part of the project environment).
fn generated(stages: usize, per_stage: usize) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/gen_dockerfile.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(stages.to_string())
        .arg(per_stage.to_string())
        .output()
        .expect("python3 runs benches/gen_dockerfile.py");
    assert!(out.status.success(), "gen_dockerfile.py failed");
    String::from_utf8(out.stdout).expect("generator prints UTF-8")
}

fn convert_once(source: &[u8]) -> usize {
    let df = parse_dockerfile(source, "Dockerfile").expect("generated Dockerfile parses");
    let opts = ConvertOptions {
        build: BuildOptions {
            build_platform: Platform::new("linux", "amd64"),
            ..BuildOptions::default()
        },
        session_id: "bench".to_string(),
        source: source.to_vec(),
        ..ConvertOptions::default()
    };
    // Every stage starts FROM scratch or an earlier stage: nothing to resolve.
    assert!(convert::plan(&df, &opts, &ResolvedImages::new())
        .expect("plan")
        .requests()
        .is_empty());
    let converted = convert::convert(&df, &opts, &ResolvedImages::new()).expect("convert");
    converted.definition.encode_to_vec().len()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("convert");
    group.sample_size(10);
    for stages in [10, 40] {
        let source = generated(stages, 100);
        group.bench_function(format!("{stages}x100"), |b| {
            b.iter(|| convert_once(source.as_bytes()))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
