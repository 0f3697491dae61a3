//! Compiles proto/ with protox (a pure-Rust protobuf compiler, so no system protoc is needed)
//! and generates prost messages plus a tonic client for LLBBridge.

use std::path::PathBuf;

const PROTOS: &[&str] = &[
    "github.com/moby/buildkit/frontend/gateway/pb/gateway.proto",
    "github.com/moby/buildkit/solver/pb/ops.proto",
    "github.com/moby/buildkit/api/types/worker.proto",
    "github.com/moby/buildkit/util/apicaps/pb/caps.proto",
    "github.com/moby/buildkit/sourcepolicy/pb/policy.proto",
    "github.com/tonistiigi/fsutil/types/stat.proto",
    "google/rpc/status.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let root = PathBuf::from("proto");
    let files: Vec<PathBuf> = PROTOS.iter().map(|p| root.join(p)).collect();
    let descriptors = protox::compile(&files, [&root])?;
    // package pb's descriptor, for writing ops as protojson does (src/proto/protojson.rs).
    let mut ops = protox::Compiler::new([&root])?;
    ops.open_file(root.join("github.com/moby/buildkit/solver/pb/ops.proto"))?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("pb_descriptor.bin"),
        ops.encode_file_descriptor_set(),
    )?;
    tonic_prost_build::configure()
        .build_server(false)
        // Maps in key order: op bytes (and so digests) must not depend on hash order.
        .btree_map(".")
        // Written by hand so that it is encoded like Go's wherever it travels (src/proto/definition.rs).
        .extern_path(".pb.Definition", "crate::proto::definition::Definition")
        .compile_fds(descriptors)?;
    Ok(())
}
