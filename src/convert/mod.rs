//! Convert: parsed Dockerfile stages -> LLB graph + image config, with the reference frontend's
//! results (moby/buildkit frontend/dockerfile/dockerfile2llb, v0.26.3).

pub mod args;
pub mod env;
pub mod graph;
pub mod image;
pub mod platform;
pub mod reference;
