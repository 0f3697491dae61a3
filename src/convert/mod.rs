//! Convert: parsed Dockerfile stages -> LLB graph + image config, with the reference frontend's
//! results (moby/buildkit frontend/dockerfile/dockerfile2llb, v0.26.3).

pub mod args;
pub mod dispatch;
pub mod env;
pub mod expose;
pub mod graph;
pub mod history;
pub mod image;
pub mod platform;
pub mod reference;
