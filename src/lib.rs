//! dockerfile-llb: a BuildKit frontend for Dockerfiles.
//!
//! Data flows one way through the layers:
//! `syntax` (bytes -> parsed lines, directives, heredocs, word expansion, spans)
//! -> `instructions` (typed instructions with flags)
//! -> `convert` (stages, args, image config -> LLB states)
//! -> `llb` (ops, deterministic marshaling, digests)
//! -> `gateway` (talks to BuildKit over the LLBBridge gRPC service).
//! Each layer is usable and testable without the ones after it.

pub mod convert;
pub mod gateway;
pub mod go;
pub mod instructions;
pub mod llb;
pub mod proto;
pub mod syntax;
